"""What importing the library costs: settings.py imports it, every pytest run loads its
plugin, every worker runs django.setup(). Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str, **env: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=300,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_drf_apifirst_imports_no_database_layer():
    modules = _modules_after("import drf_apifirst; drf_apifirst.rest_framework_settings()")
    assert "django.db" not in modules
    assert "django.core.checks" not in modules
    assert not {m for m in modules if m.startswith("drf_spectacular")}


def test_django_setup_does_not_import_the_schema_machinery():
    modules = _modules_after(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="tests.settings"
    )
    assert "drf_apifirst.checks" in modules  # registered by AppConfig.ready()
    assert not modules & {
        "drf_spectacular.generators",
        "drf_apifirst.openapi",
        "yaml",
        "uritemplate",
    }


def test_the_helpers_import_without_pytest():
    modules = _modules_after(
        "import sys; sys.modules['pytest'] = None\n"
        "from drf_apifirst.testing import assert_problem, assert_constant_queries"
    )
    assert "drf_apifirst.testing" in modules


def test_the_pytest_plugin_imports_nothing_in_a_project_without_django(tmp_path):
    (tmp_path / "test_plain.py").write_text(
        textwrap.dedent(
            """
            import sys

            def test_plain(request):
                assert request.config.pluginmanager.has_plugin("drf_apifirst")
                assert "django" not in sys.modules
                assert "drf_apifirst.settings" not in sys.modules
            """
        )
    )
    result = subprocess.run(
        # pytest-django is installed here too; it is not ours to judge.
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider", "-q"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        },
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manage_py_check_still_reports_a_missing_app(tmp_path):
    """drf_apifirst.E005: the middleware is wired, the app is not installed."""
    (tmp_path / "lonely_settings.py").write_text(
        textwrap.dedent(
            """
            import drf_apifirst

            SECRET_KEY = "x"
            INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
            MIDDLEWARE = ["drf_apifirst.middleware.RequestIdMiddleware"]
            REST_FRAMEWORK = drf_apifirst.rest_framework_settings()
            DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings", "lonely_settings"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])},
        timeout=300,
    )
    assert "drf_apifirst.E005" in result.stderr + result.stdout, result.stderr
