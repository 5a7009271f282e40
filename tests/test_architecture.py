"""The two rules of ARCHITECTURE.md, enforced.

Rule 1: the core is pure: nothing under planner/ imports Flask, SQLAlchemy or web,
and marshmallow appears only in the module that reads the case JSON.
Rule 2: one way into the database: only web/repositories runs ORM queries, and
pages never reach past services to repositories or models.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY_CALLS = re.compile(
    r"(?<![\w.])(select|insert|update|delete)\(|\.query\(|\.execute\(|\.scalars?\(|\.get\(\s*[A-Z]\w+,"
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_planner_imports_no_flask_sqlalchemy_or_web() -> None:
    """Rule 1: the engine runs the same from the command line, the API or a notebook."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imports(path) if name.split(".")[0] in {"flask", "sqlalchemy", "web", "flask_login"}
        )
        for path in _python_files("planner")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_marshmallow_only_in_the_case_reader() -> None:
    """Rule 1: marshmallow appears only in planner/case_json.py."""
    users = [
        str(p.relative_to(ROOT))
        for p in _python_files("planner")
        if any(n.startswith("marshmallow") for n in _imports(p))
    ]
    assert users == ["planner/case_json.py"]


def test_only_repositories_query_the_orm() -> None:
    """Rule 2: no select/execute/query outside web/repositories (and the session plumbing)."""
    allowed = {ROOT / "web" / "db.py", ROOT / "web" / "migrate.py"}
    offenders = []
    for path in _python_files("web"):
        if "repositories" in path.parts or path in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if QUERY_CALLS.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_pages_call_services_not_repositories_or_models() -> None:
    """Rule 2: pages and API handlers go through services."""
    offenders = {}
    for folder in ("web/pages", "web/api"):
        if not (ROOT / folder).exists():
            continue
        for path in _python_files(folder):
            bad = sorted(
                n for n in _imports(path) if n.startswith(("web.repositories", "web.models", "sqlalchemy", "web.db"))
            )
            if bad:
                offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


def test_the_rule_checker_would_catch_a_query() -> None:
    """The pattern really matches the ways a query is written (so the rule test can fail)."""
    for line in ["session().scalars(select(User))", "db.session().query(User)", "conn.execute(text('x'))"]:
        assert QUERY_CALLS.search(line)
