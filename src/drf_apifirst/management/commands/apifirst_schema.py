"""The contract guard: export the OpenAPI document of every version, check the committed
files are current, and classify the differences between two documents.

    manage.py apifirst_schema export --out openapi/     # write openapi/<version>.yaml
    manage.py apifirst_schema check --out openapi/      # exit 1, with a diff, if stale
    manage.py apifirst_schema diff old.yaml new.yaml    # exit 1 on changes that break clients
    manage.py apifirst_schema rules                     # the rules diff reports, as a table
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

from drf_apifirst.contract import (
    SEVERITIES,
    Change,
    count,
    diff_schemas,
    format_changes,
    rules_markdown,
)
from drf_apifirst.settings import apifirst_settings

# libyaml's loader reads a large document many times faster than the pure-Python one.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The first round's --fail-on words, kept working.
FAIL_ON_ALIASES = {"breaking": "error", "any": "info"}


def render(version: str | None) -> str:
    """The OpenAPI document of a version as YAML (spectacular's own rendering)."""
    schema = SchemaGenerator(api_version=version).get_schema(request=None, public=True)
    document: bytes = OpenApiYamlRenderer().render(schema, renderer_context={})
    return document.decode("utf-8")


def file_name(version: str | None) -> str:
    return f"{version}.yaml" if version else "openapi.yaml"


def load_yaml(text: str) -> Any:
    """A YAML document, read safely (no Python tags) and with libyaml's speed when present."""
    return yaml.load(text, Loader=YAML_LOADER)  # a safe loader: see YAML_LOADER


def load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else load_yaml(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CommandError(
            f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from None
    if not isinstance(document, dict) or "paths" not in document:
        raise CommandError(f"{path} is not an OpenAPI document (no 'paths').")
    return document


def compare(old: Any, new: Any, what: str) -> list[Change]:
    """``diff_schemas``, with a document that is not OpenAPI's shape said as a CommandError."""
    try:
        return diff_schemas(old, new)
    except (TypeError, AttributeError, KeyError) as exc:
        raise CommandError(
            f"Cannot compare {what}: a part is not what OpenAPI allows there ({exc})."
        ) from None


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
            choices=[*SEVERITIES, "never", *FAIL_ON_ALIASES],
            default="error",
            help="exit 1 on changes of this severity or worse (default: error), or never",
        )
        diff.add_argument(
            "--format",
            dest="output_format",
            choices=["text", "markdown", "json"],
            default="text",
            help="text (default), markdown (a pull-request comment) or json",
        )
        sub.add_parser("rules", help="print the rules diff reports, as a Markdown table")

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
            changes = compare(load_yaml(committed), load_yaml(current), str(path))
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

    def handle_diff(
        self, *, old: Path, new: Path, fail_on: str, output_format: str, **_: Any
    ) -> None:
        changes = compare(load(old), load(new), f"{old} and {new}")
        if output_format == "text":
            self._print_changes(changes)
        else:
            self.stdout.write(format_changes(changes, output_format), ending="")
        level = FAIL_ON_ALIASES.get(fail_on, fail_on)
        if level == "never":
            return
        failing = SEVERITIES[: SEVERITIES.index(level) + 1]
        totals = count(changes)
        if any(totals[severity] for severity in failing):
            found = ", ".join(f"{totals[severity]} {severity}" for severity in failing)
            raise CommandError(f"{found} change(s) of {len(changes)} (--fail-on {level}).")

    def handle_rules(self, **_: Any) -> None:
        self.stdout.write(rules_markdown(), ending="")

    def _print_changes(self, changes: list[Change]) -> None:
        styles = {"error": self.style.ERROR, "warning": self.style.WARNING}
        text = format_changes(changes, "text").splitlines()
        self.stdout.write(text[0])
        for change, line in zip(changes, text[1:], strict=True):
            self.stdout.write(styles.get(change.severity, self.style.SUCCESS)(line))
