"""The reference pages cannot drift from the code."""

import re
from pathlib import Path

import pytest

from drf_apifirst import checks
from drf_apifirst.settings import OPTIONS

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("key", sorted(OPTIONS))
def test_every_setting_is_in_the_settings_reference(key):
    assert f"### `{key}`" in (DOCS / "settings.md").read_text()


def test_every_check_id_is_in_the_checks_reference():
    source = Path(checks.__file__).read_text()
    ids = set(re.findall(r"drf_apifirst\.[EW]\d{3}", source))
    documented = set(re.findall(r"drf_apifirst\.[EW]\d{3}", (DOCS / "checks.md").read_text()))
    assert ids
    assert ids == documented
