"""Every URL of the project has a row in its app's permission matrix (tests/<app>/test_permissions.py).

A new URL pattern fails `test_every_url_has_a_row` until its permissions are decided there.
allauth's pages and the site admin are left out: they carry their own access rules.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from .ambassadors.test_permissions import MATRIX as AMBASSADORS
from .cxcoe.test_permissions import MATRIX as CORE
from .library.test_permissions import MATRIX as LIBRARY
from .standards.test_permissions import MATRIX as STANDARDS
from .tables import PROJECT_APPS
from .training.test_permissions import MATRIX as TRAINING

EXCLUDED_PREFIXES = ("accounts/", "admin/")
TABLES = [CORE, STANDARDS, LIBRARY, TRAINING, AMBASSADORS]
MATRIX = {name: spec for table in TABLES for name, spec in table.items()}


def _is_ours(pattern) -> bool:
    return isinstance(pattern, URLPattern) and pattern.callback.__module__.split(".")[0] in PROJECT_APPS


def project_url_names(patterns=None, prefix="", namespace="") -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        # allauth's and the admin's own pages are theirs; a page of ours among them still needs a row.
        if route.startswith(EXCLUDED_PREFIXES) and not _is_ours(pattern):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= project_url_names(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {route!r} needs a name to be in the permission matrix"
            names.add(namespace + pattern.name)
    return names


def test_every_url_has_a_row():
    names = project_url_names()
    assert names - MATRIX.keys() == set(), "URLs without a row in the permission matrix"
    assert MATRIX.keys() - names == set(), "rows for URLs that no longer exist"


def test_each_url_has_one_row_in_its_own_apps_table():
    assert sum(len(table) for table in TABLES) == len(MATRIX), "a URL with a row in two tables"
    for label, table in zip(PROJECT_APPS, TABLES, strict=True):
        # The core's URLs have no namespace; each app's are under its own.
        wrong = [name for name in table if (name.partition(":")[0] if ":" in name else "cxcoe") != label]
        assert wrong == [], f"rows in the {label} table for another app's URLs"
