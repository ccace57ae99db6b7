"""Names that moved keep importing from their old module, with a warning naming the new."""

import importlib

import pytest

from drf_apifirst import mixins, views

MOVED = [(mixins, name, module) for name, module in mixins.MOVED.items()] + [
    (views, name, "drf_apifirst.auth_views") for name in views.MOVED
]


@pytest.mark.parametrize(
    ("old", "name", "new"), MOVED, ids=[f"{o.__name__}.{n}" for o, n, _ in MOVED]
)
def test_an_old_import_still_works_and_says_where_the_name_lives_now(old, name, new):
    with pytest.warns(PendingDeprecationWarning, match=f"{new}.{name}"):
        value = getattr(old, name)
    assert value is getattr(importlib.import_module(new), name)


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError):
        mixins.NoSuchMixin  # noqa: B018


def test_an_unknown_name_of_the_old_views_module_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match=r"'drf_apifirst\.views' has no attribute 'Nope'"):
        views.Nope  # noqa: B018


def test_the_warning_points_at_the_importing_line():
    with pytest.warns(PendingDeprecationWarning) as record:
        from drf_apifirst.views import LoginView  # noqa: F401
    assert record[0].filename == __file__
