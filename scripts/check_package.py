"""Build the sdist and wheel, check them as PyPI would, and install the wheel in a clean venv.

What is checked, and why:

- ``twine check --strict``: PyPI accepts the metadata and renders the long description;
- every link of the long description (the README) is absolute, and a link to the hosted
  docs or the repository names a page or file that exists: PyPI has no ``docs/`` folder;
- the metadata names the Documentation, Source, Issues and Changelog URLs;
- the sdist holds exactly the files git tracks under the included paths (the example
  project too: the docs include samples from it), and the wheel exactly the library;
- the docs build from the unpacked sdist (``mkdocs build --strict``);
- the wheel has ``drf_apifirst/py.typed`` (PEP 561), so type checkers read its hints;
- ``check-wheel-contents`` (configured in pyproject.toml) finds nothing;
- the wheel installs into a clean venv and ``manage.py check`` passes.

Usage: python scripts/check_package.py WORKDIR
"""

from __future__ import annotations

import email.parser
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

REPOSITORY = "https://github.com/drf-apifirst/drf-apifirst"
DOCS_SITE = "https://drf-apifirst.readthedocs.io/en/latest/"
PROJECT_URLS = {
    "Documentation": "https://drf-apifirst.readthedocs.io/",
    "Source": REPOSITORY,
    "Issues": f"{REPOSITORY}/issues",
    "Changelog": f"{DOCS_SITE}changelog/",
}


# What the sdist ships besides PKG-INFO: pyproject.toml's sdist include patterns as git
# tracks them (the example project is there because the docs include code from it), plus
# pyproject.toml and .gitignore, which hatchling adds (it reads it to build the wheel).
def _sdist_paths() -> list[str]:
    import tomllib

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as file:
        config = tomllib.load(file)
    patterns = config["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    return [".gitignore", "pyproject.toml", *(pattern.lstrip("/") for pattern in patterns)]


SDIST_PATHS = _sdist_paths()

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
    # The base install has no [docs-ui] extra, so the docs pages would load their assets
    # from a CDN: drf_apifirst.W014 says so (tests/test_checks.py); nothing else may warn.
    SILENCED_SYSTEM_CHECKS=["drf_apifirst.W014"],
)
django.setup()
from django.core.management import call_command
call_command("check", fail_level="WARNING")
print("installed", drf_apifirst.__version__, "from", drf_apifirst.__file__)
"""

# Markdown links and images, autolinks, reference definitions, HTML href/src.
LINK_PATTERNS = [
    re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)"),
    re.compile(r"<((?:https?|mailto|ftp):[^>\s]+)>"),
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M),
    re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']"""),
]
FENCED_BLOCK = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True)


def fail(message: str) -> None:
    sys.exit(f"check_package: {message}")


def git_files(*paths: str) -> set[str]:
    """The files git tracks under ``paths``: what a fresh clone would package."""
    try:
        output = subprocess.run(
            ["git", "ls-files", "-z", "--", *paths],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        fail(f"the file lists are checked against git, which did not answer: {error}")
    return {name for name in output.split("\0") if name}


def compare(what: str, shipped: set[str], expected: set[str]) -> None:
    extra, missing = sorted(shipped - expected), sorted(expected - shipped)
    if extra or missing:
        fail(
            f"{what} differs from the files git tracks.\n"
            f"  shipped but not expected ({len(extra)}): {extra[:20]}\n"
            f"  expected but missing ({len(missing)}): {missing[:20]}"
        )
    print(f"{what}: the {len(shipped)} expected files", flush=True)


def links_of(markdown: str) -> list[str]:
    """Every link target of a Markdown document, outside code (code is not rendered as links)."""
    text = INLINE_CODE.sub("", FENCED_BLOCK.sub("", markdown))
    return [match for pattern in LINK_PATTERNS for match in pattern.findall(text)]


def check_link(url: str) -> str | None:
    """Why ``url`` would not work on PyPI, or None."""
    if not url.startswith(("https://", "http://", "mailto:")):
        return "not absolute"
    if url.startswith(DOCS_SITE):
        page = url[len(DOCS_SITE) :].split("#")[0].strip("/") or "index"
        docs = os.path.join(ROOT, "docs")
        if not any(
            os.path.isfile(os.path.join(docs, name)) for name in (f"{page}.md", f"{page}/index.md")
        ):
            return f"no docs/{page}.md or docs/{page}/index.md for this page"
    elif url.startswith(f"{REPOSITORY}/blob/main/") or url.startswith(f"{REPOSITORY}/tree/main/"):
        path = url.split("/main/", 1)[1].split("#")[0]
        if not os.path.exists(os.path.join(ROOT, path)):
            return f"no {path} in the repository"
    return None


def check_metadata(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(archive.read(name).decode())
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL", []))
    if urls != PROJECT_URLS:
        fail(f"Project-URL is {urls}, expected {PROJECT_URLS}")
    if metadata["Description-Content-Type"] != "text/markdown":
        fail(f"Description-Content-Type is {metadata['Description-Content-Type']!r}")
    description = metadata.get_payload()
    links = links_of(description)
    if not links:
        fail("found no links in the long description: the link pattern is broken")
    broken = {url: why for url in links if (why := check_link(url))}
    if broken:
        fail(
            "links of the long description (README.md) that break on PyPI:\n"
            + "\n".join(f"  {url}: {why}" for url, why in broken.items())
        )
    print(f"long description: {len(links)} links, all absolute and to existing pages")


def check_sdist(sdist: str, workdir: str) -> None:
    with tarfile.open(sdist) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
        unpacked = os.path.join(workdir, "sdist")
        shutil.rmtree(unpacked, ignore_errors=True)
        archive.extractall(unpacked, filter="data")
    prefix = os.path.basename(sdist)[: -len(".tar.gz")] + "/"
    shipped = {n.removeprefix(prefix) for n in names} - {"PKG-INFO"}
    compare("sdist", shipped, git_files(*SDIST_PATHS))
    # A packager builds the docs from the sdist: every included sample must be in it.
    site = os.path.join(workdir, "sdist-site")
    print("+ mkdocs build --strict, in the unpacked sdist", flush=True)
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site],
        cwd=os.path.join(unpacked, prefix),
        check=True,
    )


def check_wheel(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    shipped = {n for n in names if ".dist-info/" not in n}
    expected = {n.removeprefix("src/") for n in git_files("src/drf_apifirst")}
    compare("wheel", shipped, expected)
    # PEP 561: without the marker, type checkers ignore the package's annotations.
    if "drf_apifirst/py.typed" not in shipped:
        fail("drf_apifirst/py.typed is missing from the wheel")
    dist_info = {n.split("/", 1)[1] for n in names if ".dist-info/" in n}
    for required in ("METADATA", "RECORD", "WHEEL", "entry_points.txt", "licenses/LICENSE"):
        if required not in dist_info:
            fail(f"{required} is missing from the wheel's .dist-info")
    # Configured in pyproject.toml ([tool.check-wheel-contents]), read from the cwd.
    print("+ check-wheel-contents", os.path.basename(wheel), flush=True)
    subprocess.run([sys.executable, "-m", "check_wheel_contents", wheel], cwd=ROOT, check=True)


def main(workdir: str) -> None:
    dist = os.path.join(workdir, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
    artifacts = sorted(glob.glob(os.path.join(dist, "*")))
    run(sys.executable, "-m", "twine", "check", "--strict", *artifacts)

    [wheel] = glob.glob(os.path.join(dist, "*.whl"))
    [sdist] = glob.glob(os.path.join(dist, "*.tar.gz"))
    check_metadata(wheel)
    check_sdist(sdist, workdir)
    check_wheel(wheel)

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
