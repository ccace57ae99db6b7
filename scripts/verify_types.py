"""Fail when less than 95 % of the library's public symbols have a known type.

Runs ``pyright --verifytypes drf_apifirst --ignoreexternal`` against the installed package
(the lint env's wheel: run it with that env's ``pyright`` on PATH) and reads the
``completenessScore`` of its JSON report. pyright itself exits 1 whenever one symbol is
incomplete, so its exit status is not the check. The symbols still ambiguous or unknown
are listed, so a drop says what to annotate.

Usage: python scripts/verify_types.py [MINIMUM]  (default 0.95)
"""

from __future__ import annotations

import json
import subprocess
import sys

PACKAGE = "drf_apifirst"
MINIMUM = 0.95


def main(minimum: float) -> int:
    command = ["pyright", "--verifytypes", PACKAGE, "--ignoreexternal", "--outputjson"]
    print("+", " ".join(command), flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)["typeCompleteness"]
    except (ValueError, KeyError):
        print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        print("verify_types: pyright gave no type completeness report", file=sys.stderr)
        return 2
    if not report.get("pyTypedPath"):
        print(f"verify_types: pyright found no py.typed for {PACKAGE}", file=sys.stderr)
        return 2
    incomplete = [
        symbol for symbol in report["symbols"] if symbol["isExported"] and not symbol["isTypeKnown"]
    ]
    for symbol in incomplete:
        kind = "ambiguous" if symbol["isTypeAmbiguous"] else "unknown"
        print(f"  {kind}: {symbol['category']} {symbol['name']}")
    counts = report["exportedSymbolCounts"]
    score = report["completenessScore"]
    print(
        f"{PACKAGE} from {report['packageRootDirectory']}: {counts['withKnownType']} public "
        f"symbols with a known type, {counts['withAmbiguousType']} ambiguous, "
        f"{counts['withUnknownType']} unknown; completeness {score:.1%} "
        f"(at least {minimum:.0%} required)"
    )
    return 0 if score >= minimum else 1


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else MINIMUM))
