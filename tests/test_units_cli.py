"""``nghedan units merge`` and ``units list`` on the 2025 reform (tests/reform_support.py):
a merger decision applied in one transaction with a report of what moved, and every
hostile decision refused in one line, exit 2, with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.models import Unit, UnitPlacement

from .reform_support import build_reform


@pytest.fixture
def reform(service, clock):
    return build_reform(service, clock)


def tree(sessions) -> dict[str, tuple]:
    with sessions() as s:
        units = {u.id: u for u in s.scalars(select(Unit))}
        placements = s.scalar(select(func.count()).select_from(UnitPlacement))
        return {u.code: (u.path, u.valid_to, units[u.successor_id].code if u.successor_id else None)
                for u in units.values()} | {"#placements": placements}


def test_merge_applies_the_decision_and_reports_what_moved(reform, run, sessions):
    result = run("units", "merge", "A", "B", "--into", "C", "--on", "2025-07-01", "--move", "A1", lang="en")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "ended 01/07/2025: A, B",
        "successor: A → C, B → C",
        "re-parented to C: A1",
        "ended with them: B1",
        "open cases now followed by C: 5",  # A1's open one, A's, B1's two, B's
    ]
    after = tree(sessions)
    assert after["A"][1:] == after["B"][1:] == (date(2025, 7, 1), "C")
    assert after["A1"][0] == after["C"][0] + after["A1"][0].split("/")[-2] + "/"
    assert after["#placements"] == 1 and after["B1"][1] is None  # B1 ends with B, not by a date of its own

    listing = run("units", "list").output.splitlines()
    line = {row.strip().split("\t")[0]: row for row in listing}
    assert "hết hiệu lực" in line["A"] and "→ C" in line["A"] and "…–01/07/2025" in line["A"]
    assert "hết hiệu lực" in line["B1"]  # through its commune
    assert "hết hiệu lực" not in line["A1"] and "hết hiệu lực" not in line["C"] and "01/07/2025–…" in line["C"]
    assert "hết hiệu lực" not in line["D"]  # in force until it is abolished itself


@pytest.mark.parametrize("args, message", [
    (("NOPE", "--into", "C", "--on", "2025-07-01"), "NOPE"),
    (("A", "--into", "NOWHERE", "--on", "2025-07-01"), "NOWHERE"),
    (("C", "--into", "C", "--on", "2025-07-01"), "into itself"),
    (("C", "--into", "P", "--on", "2025-07-01"), "is not after the start of “C”"),
    (("A", "--into", "C", "--on", "2025-06-01"), "“C” is not in force on 01/06/2025"),
    (("D", "--into", "A", "--on", "2025-07-01"), "“A” lies under “D”"),
    (("A", "--into", "C", "--on", "2025-07-01", "--move", "E1"), "“E1” is not below an old unit"),
    (("E", "--into", "C", "--on", "2025-07-01", "--move", "E"), "“E” is not below an old unit"),
    (("E", "--into", "P", "--on", "2025-05-01"), "1 case(s) were received in “E” on or after 01/05/2025"),
    (("A", "--into", "C", "--on", "1/7/2025"), "date “1/7/2025” is not YYYY-MM-DD"),
    (("A", "A", "--into", "C", "--on", "2025-07-01", "--move", "A"), "“A” is not below an old unit"),
])
def test_hostile_merges_are_refused_in_one_line_and_change_nothing(reform, run, sessions, args, message):
    before = tree(sessions)
    result = run("units", "merge", *args, lang="en")
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert tree(sessions) == before


def test_a_successor_loop_and_a_second_successor_are_refused(reform, run, sessions):
    assert run("units", "merge", "A", "--into", "C", "--on", "2025-07-01").exit_code == 0
    before = tree(sessions)
    again = run("units", "merge", "A", "--into", "E", "--on", "2025-07-01", lang="en")
    assert again.exit_code == 2 and "already has another successor" in again.output
    loop = run("units", "merge", "C", "--into", "A", "--on", "2025-08-01", lang="en")
    assert loop.exit_code == 2 and "“A” is not in force on 01/08/2025" in loop.output
    assert tree(sessions) == before
    # The same decision applied twice changes nothing more.
    assert run("units", "merge", "A", "--into", "C", "--on", "2025-07-01").exit_code == 0
    assert tree(sessions) == before
    assert run("units", "merge", "B", "--into", "C", "--on", "2025-07-01", "--move", "B1").exit_code == 0
    moved = tree(sessions)
    again = run("units", "merge", "B", "--into", "C", "--on", "2025-07-01", "--move", "B1", lang="en")
    assert again.exit_code == 0 and "re-parented to C: —" in again.output
    assert tree(sessions) == moved


def test_the_csv_import_refuses_a_successor_loop_and_keeps_moves(reform, run, sessions, tmp_path):
    loop = tmp_path / "loop.csv"
    loop.write_text("code,name,level,parent_code,valid_from,valid_to,successor_code\n"
                    "A,Xã A,commune,D,,2025-07-01,B\nB,Xã B,commune,D,,2025-07-01,A\n", encoding="utf-8")
    before = tree(sessions)
    result = run("units", "import", str(loop), lang="en")
    assert result.exit_code == 2 and "successor loop" in result.output
    backwards = tmp_path / "backwards.csv"
    backwards.write_text("code,name,level,parent_code,valid_from,valid_to,successor_code\n"
                         "C,Xã C,commune,P,2025-07-01,2025-06-01,\n", encoding="utf-8")
    result = run("units", "import", str(backwards), lang="en")
    assert result.exit_code == 2 and "is not after its start" in result.output
    assert tree(sessions) == before
    moved = tmp_path / "moved.csv"
    moved.write_text("code,name,level,parent_code\nE,Xã E,commune,P\n", encoding="utf-8")
    result = run("units", "import", str(moved), "--on", "2025-07-01", lang="en")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["0 created, 1 updated", "re-parented: E, E1"]
    with sessions() as s:
        kept = {(p.path, p.until.isoformat()) for p in s.scalars(select(UnitPlacement))}
        e, e1, d = (s.scalar(select(Unit).where(Unit.code == c)) for c in ("E", "E1", "D"))
        assert kept == {(f"{d.path}{e.id}/", "2025-07-01"), (f"{d.path}{e.id}/{e1.id}/", "2025-07-01")}


def test_the_csv_import_applies_a_merger_decision_and_reports_it(reform, run, sessions, tmp_path):
    decision = tmp_path / "merger.csv"
    decision.write_text("code,name,level,parent_code,valid_from,valid_to,successor_code\n"
                        "A,Xã A,commune,D,,2025-07-01,C\nB,Xã B,commune,D,,2025-07-01,C\n"
                        "A1,Ấp A1,village,C,,,\n", encoding="utf-8")
    result = run("units", "import", str(decision), "--on", "2025-07-01", lang="en")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "0 created, 3 updated", "successor: A → C, B → C", "open cases now followed by successors: 4",
        "re-parented: A1"]  # A1's own open case is under C now, not under A or B
    after = tree(sessions)
    assert after["A"][1:] == after["B"][1:] == (date(2025, 7, 1), "C") and after["#placements"] == 1
    late = tmp_path / "late.csv"
    late.write_text("code,name,level,parent_code,valid_from,valid_to,successor_code\n"
                    "E,Xã E,commune,D,,2025-05-01,C\n", encoding="utf-8")
    before = tree(sessions)
    refused = run("units", "import", str(late), lang="en")
    assert refused.exit_code == 2 and "1 case(s) were received in “E” on or after 01/05/2025" in refused.output
    assert tree(sessions) == before


def test_a_unit_moved_by_the_import_takes_its_whole_subtree_along(reform, run, sessions, tmp_path):
    moved = tmp_path / "district.csv"
    moved.write_text("code,name,level,parent_code\nQ,Tỉnh Q,province,\nD,Huyện D,district,Q\n", encoding="utf-8")
    result = run("units", "import", str(moved), "--on", "2025-07-01", lang="en")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "re-parented: D, A, A1, B, B1, E, E1"
    after = tree(sessions)
    for code in ("A", "A1", "B", "B1", "E", "E1"):  # the villages too, two levels down
        assert after[code][0].startswith(after["D"][0]), code
    assert after["#placements"] == 7
