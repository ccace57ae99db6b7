"""The reference pages cannot drift from the code."""

import re
from pathlib import Path

import pytest

from drf_apifirst import checks
from drf_apifirst.settings import OPTIONS

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("key", sorted(OPTIONS))
def test_every_setting_is_in_the_settings_reference_with_its_real_default(key):
    import ast

    page = (DOCS / "settings.md").read_text()
    assert f"### `{key}`" in page
    section = page.split(f"### `{key}`", 1)[1].split("\n#", 1)[0]
    documented = re.search(r"Default:\s*`([^`]+)`", section)
    assert documented, f"{key}: no 'Default: `...`' in its section"
    default = OPTIONS[key].default
    if isinstance(default, str) and "." in default and not default.startswith(("/", "X-")):
        assert documented.group(1).strip('"') == default  # a dotted path or model label
    else:
        assert ast.literal_eval(documented.group(1)) == default


def test_every_check_id_is_in_the_checks_reference():
    source = Path(checks.__file__).read_text()
    ids = set(re.findall(r"drf_apifirst\.[EW]\d{3}", source))
    documented = set(re.findall(r"drf_apifirst\.[EW]\d{3}", (DOCS / "checks.md").read_text()))
    assert ids
    assert ids == documented


PAGES = [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_samples():
    for page in PAGES:
        for number, block in enumerate(PYTHON_BLOCK.findall(page.read_text()), 1):
            if "--8<--" not in block:  # included from a tested file: mkdocs checks it
                yield pytest.param(block, id=f"{page.name}#{number}")


def resolve(dotted):
    """Import ``drf_apifirst.a.b.C`` as far as modules go, then getattr the rest."""
    import importlib

    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            target = getattr(target, name)
        return target
    raise ImportError(dotted)


@pytest.mark.parametrize("source", list(python_samples()))
def test_every_python_sample_is_python_and_its_imports_of_the_library_resolve(source):
    import ast

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("drf_apifirst"):
            for alias in node.names:
                resolve(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("drf_apifirst"):
                    resolve(alias.name)


def test_every_dotted_library_name_in_the_docs_exists():
    names = set()
    for page in PAGES:
        names.update(re.findall(r"\bdrf_apifirst(?:\.[A-Za-z_]\w*)+", page.read_text()))
    # Not Python names: check ids, the logger's and the URLconf's own strings.
    names = {n for n in names if not re.fullmatch(r"drf_apifirst\.[EW]\d{3}", n)}
    from django.apps import apps

    missing = []
    for name in sorted(names):
        try:
            resolve(name)
        except (ImportError, AttributeError):
            try:
                apps.get_model(name)  # a model label: "drf_apifirst.APIKey"
            except (LookupError, ValueError):
                missing.append(name)
    assert len(names) > 30
    assert missing == []


def test_the_defaults_the_authentication_page_lists_are_the_real_ones():
    import ast

    import drf_apifirst

    page = (DOCS / "authentication.md").read_text()
    listed = ast.literal_eval(PYTHON_BLOCK.findall(page)[0])
    actual = drf_apifirst.rest_framework_settings()
    assert {key: actual[key] for key in listed} == listed


# What DRF and django-filter read from a view or paginator, which the library's classes
# do not declare themselves.
_DRF_ATTRIBUTES = {
    "queryset",
    "serializer_class",
    "filterset_fields",
    "filterset_class",
    "ordering_fields",
    "search_fields",
    "ordering",
    "pagination_class",
    "permission_classes",
    "throttle_scope",
    "lookup_field",
    "page_size",
    "max_page_size",
}


@pytest.mark.parametrize("source", list(python_samples()))
def test_every_attribute_a_sample_sets_on_a_library_class_is_one_it_reads(source):
    import ast

    from drf_apifirst import pagination, viewsets

    bases = {
        "ApiModelViewSet": viewsets.ApiModelViewSet,
        "ReadOnlyApiModelViewSet": viewsets.ReadOnlyApiModelViewSet,
        "ApiGenericViewSet": viewsets.ApiGenericViewSet,
        "PageNumberPagination": pagination.PageNumberPagination,
        "CursorPagination": pagination.CursorPagination,
    }
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        library = [bases[b.id] for b in node.bases if isinstance(b, ast.Name) and b.id in bases]
        if not library:
            continue
        for statement in node.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in _DRF_ATTRIBUTES:
                    assert any(hasattr(base, target.id) for base in library), (
                        f"{node.name}.{target.id}: no library class reads it"
                    )


def test_every_rest_framework_setting_is_in_the_settings_table():
    """docs/settings.md lists every key rest_framework_settings() sets (#17)."""
    import drf_apifirst

    page = (DOCS / "settings.md").read_text()
    table = page.split("## `REST_FRAMEWORK` and `SPECTACULAR_SETTINGS`", 1)[1]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.M))
    assert documented == set(drf_apifirst.rest_framework_settings())
    for key, value in drf_apifirst.rest_framework_settings().items():
        row = re.search(rf"^\| `{key}` \|(.*)$", table, re.M).group(1)
        values = value if isinstance(value, list) else [value]
        if isinstance(value, dict):
            values = [f"{policy}`: `{rate}" for policy, rate in value.items()]
        for item in values:
            assert str(item).strip('"') in row or f"`{item}`" in row, (key, item)


# Modules that are not public API (docs/reference/index.md says why): those named with a
# leading underscore, the private names of the dependencies, two deprecated import shims,
# and what Django loads by itself.
NOT_PUBLIC = {"drf_apifirst.compat", "drf_apifirst.mixins", "drf_apifirst.views"}
NOT_PUBLIC_PREFIXES = (
    "drf_apifirst.apps",
    "drf_apifirst.urls",
    "drf_apifirst.migrations",
    "drf_apifirst.management",
)


def public_modules():
    import importlib
    import pkgutil

    import drf_apifirst

    yield drf_apifirst
    for info in pkgutil.walk_packages(drf_apifirst.__path__, "drf_apifirst."):
        private = any(part.startswith("_") for part in info.name.split("."))
        if private or info.name in NOT_PUBLIC or info.name.startswith(NOT_PUBLIC_PREFIXES):
            continue
        yield importlib.import_module(info.name)


def reference_entries():
    """Every ``::: dotted.path`` of docs/reference/, as {path: the object it renders}."""
    entries = {}
    for page in sorted((DOCS / "reference").glob("*.md")):
        for path in re.findall(r"^::: (\S+)$", page.read_text(), re.M):
            assert path not in entries, f"{path} is rendered twice"
            entries[path] = resolve(path)
    return entries


def test_every_public_name_is_in_the_api_reference():
    """A public name is one in a public module's ``__all__``; each is rendered once,
    under that module or under a package that re-exports it (``drf_apifirst.webhooks``
    for ``drf_apifirst.webhooks.events``)."""
    entries = reference_entries()
    missing = []
    for module in public_modules():
        assert hasattr(module, "__all__"), f"{module.__name__}: a public module declares __all__"
        for name in module.__all__:
            target = getattr(module, name)
            if not any(
                path.rsplit(".", 1)[-1] == name and obj is target for path, obj in entries.items()
            ):
                missing.append(f"{module.__name__}.{name}")
    assert missing == [], "add a '::: <module>.<name>' line to a page of docs/reference/"


def test_the_api_reference_renders_only_public_names():
    """And nothing else: a helper put on a reference page would look like a promise."""
    public = {module.__name__ for module in public_modules()}
    for module in public_modules():
        public.update(f"{module.__name__}.{name}" for name in module.__all__)
    assert set(reference_entries()) - public == set()


# The support matrix on the first page of the docs is the one the project declares:
# pyproject.toml's classifiers and lower bounds (read from the installed distribution's
# metadata, which is built from them) and the (Python, Django) envs of tox.ini.
def _index_section(title):
    page = (DOCS / "index.md").read_text()
    return page.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _tox_envs():
    import itertools

    text = (DOCS.parent / "tox.ini").read_text()
    block = re.search(r"^env_list =\n((?:[ \t]+\S.*\n)+)", text, re.M).group(1)
    names = set()
    for entry in block.split():
        parts = re.split(r"(\{[^}]*\})", entry)
        options = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
        names.update("".join(combination) for combination in itertools.product(*options))
    return names


def _classifier_versions(prefix):
    from importlib.metadata import metadata

    classifiers = metadata("drf-apifirst").get_all("Classifier")
    pattern = re.escape(prefix) + r"\d+\.\d+"
    return {c[len(prefix) :] for c in classifiers if re.fullmatch(pattern, c)}


def test_the_support_matrix_on_the_first_page_is_the_tested_and_declared_one():
    from importlib.metadata import metadata

    table = _index_section("Supported versions")
    header = re.search(r"^\|\s*\|(.*)\|$", table, re.M).group(1)
    djangos = re.findall(r"Django (\d+\.\d+)", header)
    pairs = set()
    pythons = []
    for python, cells in re.findall(r"^\| Python (\d+\.\d+) \|(.*)\|$", table, re.M):
        pythons.append(python)
        marks = [cell.strip() for cell in cells.split("|")]
        assert len(marks) == len(djangos)
        assert set(marks) <= {"✓", "—"}
        pairs.update(
            (python, django) for django, mark in zip(djangos, marks, strict=True) if mark == "✓"
        )

    tested = set()
    for env in _tox_envs():
        match = re.fullmatch(r"py3(\d+)-django(\d)(\d)", env)
        if match:
            tested.add((f"3.{match[1]}", f"{match[2]}.{match[3]}"))
    assert pairs == tested
    assert set(pythons) == _classifier_versions("Programming Language :: Python :: ")
    assert set(djangos) == _classifier_versions("Framework :: Django :: ")
    lowest_python = min(pythons, key=lambda v: tuple(map(int, v.split("."))))
    assert metadata("drf-apifirst")["Requires-Python"] == f">={lowest_python}"


def test_the_lowest_versions_on_the_first_page_are_pyprojects_and_tox_ini():
    from importlib.metadata import requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    table = _index_section("Supported versions")
    rows = {
        canonicalize_name(name): cell
        for name, cell in re.findall(r"^\| ([A-Za-z][\w.-]*) \| (.+?) \|$", table, re.M)
        if name != "requirement"
    }
    core = [Requirement(r) for r in requires("drf-apifirst") if "extra ==" not in r]
    assert {canonicalize_name(r.name) for r in core} == set(rows)
    for requirement in core:
        (lowest,) = [s.version for s in requirement.specifier if s.operator == ">="]
        assert rows[canonicalize_name(requirement.name)].split()[0] == lowest, requirement.name
    # A higher bound tox.ini sets for some envs (DRF 3.18 with Django 6) is on the row too.
    deps = (DOCS.parent / "tox.ini").read_text().split("\ndeps =\n", 1)[1].split("\n\n", 1)[0]
    for name, bound in re.findall(r"^\s+[\w{},-]+: ([\w.-]+)>=([\d.]+)\s*$", deps, re.M):
        name = canonicalize_name(name)
        if name in rows and name != "django":
            assert bound in rows[name], (name, bound)


def test_the_status_on_the_first_page_is_pyprojects():
    from importlib.metadata import metadata

    (status,) = [
        c
        for c in metadata("drf-apifirst").get_all("Classifier")
        if c.startswith("Development Status ::")
    ]
    section = _index_section("Status")
    assert f"`{status}`" in section
    assert section.lstrip().startswith(f"**{status.rsplit(' - ', 1)[1]}**")
