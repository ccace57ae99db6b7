"""Move migration_fixture/ (a plain DRF project) onto drf-apifirst by docs/migrating.md.

    python scripts/migrate_fixture.py [--keep DIR]

On a copy of the project: its test suite passes; with the apps installed (which changes
no response) the suite still passes and `apifirst_doctor` exits 1 and names every test
marked `client_change(topic, subject)`; then each step of the page is applied in order;
afterwards `check` and the OpenAPI export succeed, the doctor (given the old settings)
finds nothing that breaks, and the suite passes except the `client_change` tests, which
must now fail (MIGRATED=1 makes them strict xfails). Exits 1 at the first step that does
not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "migration_fixture"
SAMPLES = ROOT / "docs" / "samples" / "migrating"
CLIENT_CHANGE = re.compile(r'@pytest\.mark\.client_change\("(\w+)", "([\w.]+)"\)')


def say(message: str) -> None:
    print(f"== {message}", flush=True)


def run(project: Path, *args: str, env: dict[str, str] | None = None, expect: int = 0) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != expect:
        print(result.stdout[-6000:], result.stderr[-6000:], sep="\n")
        sys.exit(f"`{' '.join(args)}` exited {result.returncode}, expected {expect}")
    return result.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        sys.exit(f"{path}: {old!r} not found (has the fixture changed?)")
    path.write_text(text.replace(old, new))


def suite(project: Path, **env: str) -> None:
    out = run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", env=env)
    print("   " + out.strip().splitlines()[-1])


# --- The steps of docs/migrating.md, in order ---


def install_apps(project: Path) -> None:
    """Ask the doctor first: the apps alone change no response."""
    edit(
        project / "gallery/settings.py",
        '    "photos",\n]',
        '    "photos",\n    "knox",\n    "rest_framework_api_key",\n    "drf_spectacular",\n'
        '    "drf_apifirst",\n]',
    )


def switch_settings(project: Path) -> None:
    """Settings, pagination, authentication and tokens: one rest_framework_settings() call
    that keeps the clients' page shape, credentials and anonymous reads."""
    settings = project / "gallery/settings.py"
    edit(
        settings,
        "REST_FRAMEWORK = {",
        "# What clients had (for the doctor).\nDRF_REST_FRAMEWORK = {",
    )
    edit(
        settings,
        "MIDDLEWARE = [\n",
        'MIDDLEWARE = [\n    "drf_apifirst.middleware.RequestIdMiddleware",\n'
        '    "drf_apifirst.middleware.ProblemMiddleware",\n',
    )
    sample = (SAMPLES / "settings.py").read_text()
    # The sample's own first line adds the apps, done in install_apps.
    sample = sample.split("\n", 1)[1].replace(
        'DEFAULT_PAGINATION_CLASS="drf_apifirst.pagination.LimitOffsetPagination",',
        'DEFAULT_PAGINATION_CLASS="drf_apifirst.pagination.LimitOffsetPagination",\n'
        "    PAGE_SIZE=10,\n"
        "    # Anonymous clients kept read access (DRF's IsAuthenticatedOrReadOnly).\n"
        "    DEFAULT_PERMISSION_CLASSES=[\n"
        '        "rest_framework.permissions.IsAuthenticatedOrReadOnly",\n'
        '        "drf_apifirst.permissions.HasScope",\n'
        "    ],",
    )
    sample = sample.replace(
        '"rest_framework.authentication.TokenAuthentication",  # until the old tokens are gone',
        '"rest_framework.authentication.TokenAuthentication",  # until the old tokens are gone\n'
        '        "rest_framework.authentication.SessionAuthentication",',
    )
    text = settings.read_text()
    settings.write_text("import drf_apifirst\n" + text + "\n" + sample)
    # The legacy token scheme, registered when the app is ready.
    shutil.copy(SAMPLES / "legacy_tokens.py", project / "photos/schema.py")
    (project / "photos/apps.py").write_text(
        "from django.apps import AppConfig\n\n\n"
        "class PhotosConfig(AppConfig):\n"
        '    name = "photos"\n\n'
        "    def ready(self):\n"
        "        from photos import schema  # noqa: F401\n"
    )


def uploads(project: Path) -> None:
    """Parsers and uploads: the view that takes files reads multipart too (W009)."""
    views = project / "photos/views.py"
    edit(
        views,
        "from photos.models",
        "from drf_apifirst.parsers import UPLOAD_PARSER_CLASSES\nfrom photos.models",
    )
    edit(
        views,
        "    serializer_class = PhotoSerializer\n",
        "    serializer_class = PhotoSerializer\n    parser_classes = UPLOAD_PARSER_CLASSES\n",
    )


def serializers(project: Path) -> None:
    """Serializers: the library's classes of the same kind."""
    path = project / "photos/serializers.py"
    edit(
        path,
        "from rest_framework import serializers\n",
        "from rest_framework import serializers\n\n"
        "from drf_apifirst.serializers import ApiModelSerializer, HyperlinkedApiModelSerializer\n",
    )
    edit(path, "(serializers.HyperlinkedModelSerializer)", "(HyperlinkedApiModelSerializer)")
    edit(path, "(serializers.ModelSerializer)", "(ApiModelSerializer)")


def viewsets(project: Path) -> None:
    """Viewsets: the base-class swap; list attributes as lists (E013)."""
    path = project / "photos/views.py"
    edit(
        path,
        "from rest_framework import viewsets\n",
        "from drf_apifirst.viewsets import ApiModelViewSet, ReadOnlyApiModelViewSet\n",
    )
    edit(path, "(viewsets.ModelViewSet)", "(ApiModelViewSet)")
    edit(path, "(viewsets.ReadOnlyModelViewSet)", "(ReadOnlyApiModelViewSet)")
    edit(path, 'ordering_fields = "name"', 'ordering_fields = ["name"]')


def schema_views(project: Path) -> None:
    """Schema views: DRF's per-view AutoSchema becomes extend_schema_view (E014)."""
    path = project / "photos/views.py"
    edit(
        path,
        "from rest_framework.schemas.openapi import AutoSchema\n",
        "from drf_spectacular.utils import extend_schema, extend_schema_view\n",
    )
    edit(path, '    schema = AutoSchema(tags=["albums"])\n', "")
    edit(
        path,
        "class AlbumViewSet(",
        "@extend_schema_view(**{a: extend_schema(tags=['albums']) for a in "
        "('list', 'create', 'retrieve', 'update', 'partial_update', 'destroy')})\n"
        "class AlbumViewSet(",
    )


def urls(project: Path) -> None:
    """URLs: the library's login, schema and docs under the API prefix."""
    edit(
        project / "gallery/urls.py",
        '    path("api/", include(router.urls)),\n',
        '    path("api/", include("drf_apifirst.urls")),\n'
        '    path("api/", include(router.urls)),\n',
    )


STEPS = [switch_settings, uploads, serializers, viewsets, schema_views, urls]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="migrate into this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="migration-fixture-"))
    project = work / "project"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))

    say("the plain DRF project's suite")
    suite(project)

    say("installing the apps changes no response")
    install_apps(project)
    suite(project)

    say("the doctor, before the switch")
    report = run(project, "manage.py", "apifirst_doctor", "--json", expect=1)
    findings = json.loads(report)
    named = {(f["topic"], f["subject"]) for f in findings}
    source = (project / "tests/test_api.py").read_text()
    expected = set(CLIENT_CHANGE.findall(source))
    missing = expected - named
    if missing:
        sys.exit(f"the doctor does not name these documented client changes: {sorted(missing)}")
    for topic, subject in sorted(expected):
        print(f"   named: {topic} ({subject})")

    for step in STEPS:
        say(f"step: {(step.__doc__ or step.__name__).splitlines()[0]}")
        step(project)

    say("manage.py check and the OpenAPI document")
    run(project, "manage.py", "check", "--fail-level", "ERROR")
    run(project, "manage.py", "apifirst_schema", "export", "--out", str(work / "openapi"))

    say("the doctor, after the switch, finds nothing that breaks")
    run(
        project,
        "manage.py",
        "apifirst_doctor",
        "--before",
        "gallery.settings.DRF_REST_FRAMEWORK",
        expect=0,
    )

    say("the suite after: everything passes but the documented client changes")
    suite(project, MIGRATED="1")
    say(f"migrated in {project}")


if __name__ == "__main__":
    main()
