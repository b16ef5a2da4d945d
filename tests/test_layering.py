"""The layering of DESIGN.md, checked on the source: arrows only point down."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"engine", "workflows", "notifications", "web", "tests", "bench"}
FORBIDDEN = {
    "engine": {"web", "notifications", "workflows", "tests"},
    "workflows": {"web", "notifications", "tests"},
    "notifications": {"web", "workflows", "tests"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_downwards(layer):
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_packages(p) & FORBIDDEN[layer])
        for p in (ROOT / layer).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_itself_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from web.app import create_app\nimport notifications.outbox as o\n")
    assert imported_packages(bad) == {"web", "notifications"}


def test_domain_code_reads_time_only_from_the_clock():
    wall_clock = re.compile(r"datetime\.(now|utcnow|today)\(|date\.today\(|time\.time\(")
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "engine").rglob("*.py") if p.name != "clock.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if wall_clock.search(line)
    ]
    assert hits == []


def test_no_legacy_session_query():
    hits = [
        str(p.relative_to(ROOT))
        for layer in ("engine", "web", "notifications", "workflows")
        for p in (ROOT / layer).rglob("*.py")
        if re.search(r"\bsession\.query\(|\bs\.query\(", p.read_text(encoding="utf-8"))
    ]
    assert hits == []
