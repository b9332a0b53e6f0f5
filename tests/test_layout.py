"""The shape of the code, checked: imports go one way, nothing registers itself as a side effect of being
imported, and every task name the code queues is a task Celery knows."""

import ast
import re
from pathlib import Path

import pytest

from cxcoe.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
# Lower layers first: an app imports only the layers before it (DESIGN.md §3).
LAYERS = ["cxcoe", "standards", "library", "training", "ambassadors"]
# The readers' package reads every app's numbers for the dashboards, so it sits above them all.
READERS = "cxcoe/dashboard"
QUEUED = re.compile(r"""\b(?:enqueue|nudge)\(\s*["']([\w.]+)["']""")


def _sources():
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "migrations" not in path.parts:
                yield layer, path


def _imported_packages(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_each_app_imports_only_the_layers_below_it():
    wrong = []
    for layer, path in _sources():
        if str(path.relative_to(ROOT)).startswith(READERS):
            continue
        above = set(LAYERS[LAYERS.index(layer) + 1:])
        if found := _imported_packages(ast.parse(path.read_text())) & above:
            wrong.append(f"{path.relative_to(ROOT)} imports {sorted(found)}")
    assert wrong == []


def test_no_project_module_is_imported_inside_a_function_to_dodge_a_circle():
    """AppConfig hooks run once Django is ready, and a Celery signal runs in a worker: those may import late."""
    late = []
    for _layer, path in _sources():
        if path.name == "apps.py" or path.relative_to(ROOT).as_posix() == "cxcoe/celery.py":
            continue
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                relative = isinstance(node, ast.ImportFrom) and node.level > 0
                project = isinstance(node, ast.Import | ast.ImportFrom) and _imported_packages(node) & set(LAYERS)
                if relative or project:
                    late.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}()")
    assert late == []


def test_nothing_is_imported_only_for_what_importing_it_registers():
    hidden = [f"{path.relative_to(ROOT)}:{number}" for _layer, path in _sources()
              for number, line in enumerate(path.read_text().splitlines(), 1) if "noqa: F401" in line]
    assert hidden == []


@pytest.mark.parametrize("name", sorted({name for _layer, path in _sources()
                                         for name in QUEUED.findall(path.read_text())}))
def test_every_task_name_the_code_queues_is_a_registered_task(name):
    celery_app.loader.import_default_modules()
    assert name in celery_app.tasks


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules that this file imports at its top level (a name imported from a package counts as the
    module of that name when there is one, else as the package)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.add(f"{source}.{alias.name}")
                elif source in modules:
                    found.add(source)
    return found - {module}


def test_the_import_graph_has_no_circle():
    paths = {_module_name(path): path for _layer, path in _sources()}
    graph = {module: _project_imports(path, set(paths)) for module, path in paths.items()}
    circles, done = [], set()

    def visit(module, trail):
        if module in trail:
            circles.append(" → ".join([*trail[trail.index(module):], module]))
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert circles == []
