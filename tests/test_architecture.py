"""The tree matches ARCHITECTURE.md: same layers and file names everywhere, clean dependencies."""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES_DIR = ROOT / "services"
SERVICES = sorted(p.name for p in SERVICES_DIR.iterdir() if (p / "__init__.py").exists())
FRAMEWORKS = ("flask", "flask_smorest", "sqlalchemy", "requests", "kafka", "werkzeug", "psycopg")


def documented_patterns() -> list[str]:
    """The `file` column of ARCHITECTURE.md's table, as glob patterns."""
    patterns = []
    for line in (ROOT / "ARCHITECTURE.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("`"):
            for name in re.findall(r"`([^`]+)`", cells[1]):
                patterns.append(re.sub(r"<[a-z]+>", "*", name))
    return patterns


def service_files(service: str) -> list[str]:
    base = SERVICES_DIR / service
    return sorted(
        str(p.relative_to(base))
        for p in base.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"
    )


def fits(path: str, pattern: str) -> bool:
    if pattern.endswith("/**"):
        return path.startswith(pattern[:-3] + "/")
    if "/" in pattern and path.count("/") != pattern.count("/"):
        return False
    return fnmatch.fnmatchcase(path, pattern)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_table_names_every_layer():
    patterns = documented_patterns()
    assert "domain/*.py" in patterns and "service_layer/on_events.py" in patterns


@pytest.mark.parametrize("service", SERVICES)
def test_every_file_fits_a_row_of_the_table(service):
    patterns = documented_patterns()
    misfits = [f for f in service_files(service) if not any(fits(f, p) for p in patterns)]
    assert misfits == [], f"{service}: files that fit no row of ARCHITECTURE.md: {misfits}"


@pytest.mark.parametrize("service", SERVICES)
def test_domain_imports_no_framework(service):
    offenders = {}
    for path in (SERVICES_DIR / service / "domain").glob("*.py"):
        bad = {m for m in imports_of(path) if m.split(".")[0] in FRAMEWORKS}
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service):
    others = {f"services.{s}" for s in SERVICES if s != service}
    offenders = {}
    for path in (SERVICES_DIR / service).rglob("*.py"):
        bad = {m for m in imports_of(path) if any(m == o or m.startswith(o + ".") for o in others)}
        if bad:
            offenders[str(path.relative_to(SERVICES_DIR))] = sorted(bad)
    assert offenders == {}


def test_shared_imports_no_service():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "shared").rglob("*.py")
        if any(m.startswith("services") for m in imports_of(p))
    ]
    assert offenders == []


@pytest.mark.parametrize("service", SERVICES)
def test_query_handlers_take_the_reader(service):
    """A handler that only answers a query (`get_*`, `list_*`, `find_*`, `render_*`) takes
    `reader` (it shares the request's read session) or `snapshot_reader` (one snapshot for
    all its statements), never `uow`: neither takes SQLite's write lock."""
    offenders = []
    for path in (SERVICES_DIR / service / "service_layer").glob("*_handlers.py"):
        for node in ast.parse(path.read_text()).body:
            if (isinstance(node, ast.FunctionDef)
                    and node.name.startswith(("get_", "list_", "find_", "render_"))
                    and any(a.arg == "uow" for a in node.args.args)):
                offenders.append(f"{path.name}:{node.name}")
    assert offenders == []
