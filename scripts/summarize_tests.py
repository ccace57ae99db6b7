"""Print one closing line for all the tox envs' pytest results (their JUnit XML files).

Results under ``allowed-to-fail/`` (the Django pre-release env) are listed, not counted:
their failures are news, not a failed run."""

from __future__ import annotations

import glob
import os
import sys
import xml.etree.ElementTree as ET


def count(path: str, keys: dict[str, int]) -> dict[str, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    return {key: sum(int(s.get(key, 0)) for s in suites) for key in keys}


def line(path: str, counts: dict[str, int], note: str = "") -> str:
    failed = counts["failures"] + counts["errors"]
    return (
        f"  {os.path.basename(path)[:-4]:<22} {counts['tests'] - failed - counts['skipped']}"
        f" passed, {failed} failed, {counts['skipped']} skipped{note}"
    )


def main(folder: str) -> int:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    files = sorted(glob.glob(os.path.join(folder, "*.xml")))
    for path in files:
        counts = count(path, totals)
        for key, value in counts.items():
            totals[key] += value
        print(line(path, counts))
    for path in sorted(glob.glob(os.path.join(folder, "allowed-to-fail", "*.xml"))):
        print(line(path, count(path, totals), " (allowed to fail, not counted)"))
    failed = totals["failures"] + totals["errors"]
    passed = totals["tests"] - failed - totals["skipped"]
    print(f"tests: {passed} passed, {failed} failed, {totals['skipped']} skipped")
    if not files or totals["tests"] == 0:
        print("No test results were written.", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
