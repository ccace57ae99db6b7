"""Build the sdist and wheel, check them as PyPI would, and install the wheel in a clean venv.

Usage: python scripts/check_package.py WORKDIR
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SMOKE = """
import django
from django.conf import settings
import drf_apifirst

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework",
                    "rest_framework_api_key", "knox", "drf_spectacular", "drf_apifirst"],
    MIDDLEWARE=["drf_apifirst.middleware.RequestIdMiddleware",
                "drf_apifirst.middleware.ProblemMiddleware"],
    REST_FRAMEWORK=drf_apifirst.rest_framework_settings(),
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    ROOT_URLCONF="drf_apifirst.urls",
)
django.setup()
from django.core.management import call_command
call_command("check", fail_level="WARNING")
print("installed", drf_apifirst.__version__, "from", drf_apifirst.__file__)
"""


def run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True)


def main(workdir: str) -> None:
    dist = os.path.join(workdir, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
    artifacts = sorted(glob.glob(os.path.join(dist, "*")))
    run(sys.executable, "-m", "twine", "check", "--strict", *artifacts)

    [wheel] = glob.glob(os.path.join(dist, "*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("drf_apifirst/py.typed", "drf_apifirst/__init__.py"):
        if required not in names:
            sys.exit(f"{required} is missing from {os.path.basename(wheel)}")
    stray = [n for n in names if n.startswith(("tests/", "example_project/"))]
    if stray:
        sys.exit(f"the wheel ships files that are not the library: {stray[:5]}")

    venv = os.path.join(workdir, "clean-venv")
    shutil.rmtree(venv, ignore_errors=True)
    run(sys.executable, "-m", "venv", venv)
    python = os.path.join(venv, "bin", "python")
    run(python, "-m", "pip", "install", "--quiet", wheel)
    # Run from an empty folder so the source tree cannot be imported by accident.
    os.chdir(workdir)
    run(python, "-c", SMOKE)


if __name__ == "__main__":
    main(sys.argv[1])
