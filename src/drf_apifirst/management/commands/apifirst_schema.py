"""The contract guard: export the OpenAPI document of every version, check the committed
files are current, and classify the differences between two documents.

    manage.py apifirst_schema export --out openapi/     # write openapi/<version>.yaml
    manage.py apifirst_schema check --out openapi/      # exit 1, with a diff, if stale
    manage.py apifirst_schema diff old.yaml new.yaml    # exit 1 on breaking changes
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from drf_apifirst.contract import Change, diff_schemas
from drf_apifirst.settings import apifirst_settings


def render(version: str | None) -> str:
    """The OpenAPI document of a version as YAML (spectacular's own rendering)."""
    schema = SchemaGenerator(api_version=version).get_schema(request=None, public=True)
    return OpenApiYamlRenderer().render(schema, renderer_context={}).decode("utf-8")


def file_name(version: str | None) -> str:
    return f"{version}.yaml" if version else "openapi.yaml"


def load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CommandError(
            f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from None
    if not isinstance(document, dict) or "paths" not in document:
        raise CommandError(f"{path} is not an OpenAPI document (no 'paths').")
    return document


class Command(BaseCommand):
    help = "Export, check and diff the OpenAPI documents of each API version."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("export", "write one YAML document per version"),
            ("check", "fail when the committed documents differ from the code"),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument("--out", default="openapi", help="folder of the documents")
            command.add_argument(
                "--version", dest="versions", action="append", help="only this version (repeatable)"
            )
        diff = sub.add_parser("diff", help="classify the changes from OLD to NEW")
        diff.add_argument("old", type=Path)
        diff.add_argument("new", type=Path)
        diff.add_argument(
            "--fail-on",
            choices=["breaking", "any", "never"],
            default="breaking",
            help="exit 1 on breaking changes (default), on any change, or never",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def _versions(self, requested: list[str] | None) -> list[str | None]:
        declared = list(apifirst_settings.VERSIONS)
        for version in requested or ():
            if version not in declared:
                raise CommandError(
                    f"Unknown version {version!r}; VERSIONS has {', '.join(declared) or 'none'}."
                )
        return list(requested or declared or [None])

    def handle_export(self, *, out: str, versions: list[str] | None, **_: Any) -> None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for version in self._versions(versions):
            path = folder / file_name(version)
            path.write_text(render(version), encoding="utf-8")
            self.stdout.write(f"Wrote {path}")

    def handle_check(self, *, out: str, versions: list[str] | None, **_: Any) -> None:
        folder = Path(out)
        stale = []
        for version in self._versions(versions):
            path = folder / file_name(version)
            current = render(version)
            if not path.exists():
                stale.append(path)
                self.stdout.write(f"{path} is missing.")
                continue
            committed = path.read_text(encoding="utf-8")
            if committed == current:
                self.stdout.write(f"{path} is up to date.")
                continue
            stale.append(path)
            changes = diff_schemas(yaml.safe_load(committed), yaml.safe_load(current))
            self.stdout.write(f"{path} differs from the code:")
            self._print_changes(changes)
            self.stdout.writelines(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    fromfile=f"{path} (committed)",
                    tofile=f"{path} (code)",
                    n=2,
                )
            )
        if stale:
            raise CommandError(
                f"{len(stale)} OpenAPI document(s) out of date. If the changes are intended "
                f"(and the breaking ones go to a new version), run "
                f"`manage.py apifirst_schema export --out {out}` and commit the result."
            )

    def handle_diff(self, *, old: Path, new: Path, fail_on: str, **_: Any) -> None:
        changes = diff_schemas(load(old), load(new))
        self._print_changes(changes)
        breaking = sum(change.breaking for change in changes)
        if (fail_on == "breaking" and breaking) or (fail_on == "any" and changes):
            raise CommandError(f"{breaking} breaking change(s) of {len(changes)}.")

    def _print_changes(self, changes: list[Change]) -> None:
        breaking = sum(change.breaking for change in changes)
        self.stdout.write(f"{len(changes)} change(s), {breaking} breaking.")
        for change in changes:
            style = self.style.ERROR if change.breaking else self.style.SUCCESS
            self.stdout.write(style(str(change)))
