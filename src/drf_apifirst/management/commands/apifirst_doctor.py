"""What moving onto drf-apifirst changes for this project's clients, view by view.

    manage.py apifirst_doctor                    # before the switch, and after each step
    manage.py apifirst_doctor --contract openapi/  # plus the changes of the document
    manage.py apifirst_doctor --before mysite.settings_drf.REST_FRAMEWORK  # after it
    manage.py apifirst_doctor --json

Exits with status 1 while a change would break an existing client and its opt-out is not
applied (lines marked BREAK). See docs/migrating.md.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from drf_apifirst.doctor import BREAK, Finding, diagnose, is_migrated

LABELS = {"break": "BREAK ", "change": "CHANGE", "decide": "DECIDE"}


class Command(BaseCommand):
    help = "List what clients notice when this project moves onto drf-apifirst."
    requires_system_checks: list[str] = []  # it reports the checks it cares about itself

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--contract",
            metavar="DIR",
            help="a directory of documents exported before the move (apifirst_schema "
            "export): also list the changes of the OpenAPI document",
        )
        parser.add_argument(
            "--before",
            metavar="DOTTED.PATH",
            help="after the switch: the REST_FRAMEWORK dict the project had "
            "(e.g. mysite.settings_drf.REST_FRAMEWORK); default: DRF's defaults",
        )
        parser.add_argument("--json", action="store_true", help="print the findings as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        before = import_string(options["before"]) if options["before"] else None
        findings = diagnose(contract_dir=options["contract"], before=before)
        if options["json"]:
            self.stdout.write(json.dumps([f.as_dict() for f in findings], indent=2))
        else:
            self.write_report(findings)
        if any(f.level == BREAK for f in findings):
            raise SystemExit(1)

    def write_report(self, findings: list[Finding]) -> None:
        stage = "after the switch" if is_migrated() else "before the switch"
        self.stdout.write(f"drf-apifirst doctor ({stage})")
        subjects: dict[str, list[Finding]] = {}
        for finding in findings:
            subjects.setdefault(finding.subject, []).append(finding)
        for subject, items in subjects.items():
            paths = items[0].paths
            self.stdout.write("")
            self.stdout.write(f"{subject}" + (f"  {' '.join(paths)}" if paths else ""))
            for finding in items:
                self.stdout.write(f"  {LABELS[finding.level]} {finding.topic}: {finding.message}")
                if finding.opt_out:
                    self.stdout.write(f"         -> {finding.opt_out}")
        breaks = sum(f.level == BREAK for f in findings)
        self.stdout.write("")
        self.stdout.write(
            f"{breaks} change(s) would break existing clients." if breaks else "Nothing breaks."
        )
