"""``path_under``: the subtree of a unit, on the real database of the run, and the
index that serves it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, not_, select, text

from engine.models import Unit, path_under


@pytest.mark.parametrize("code, expected", [
    ("P", {"P", "A", "A1", "A2", "A-KT", "A-MT", "B", "B1", "P-SO"}),
    ("A", {"A", "A1", "A2", "A-KT", "A-MT"}),
    ("A1", {"A1"}),
    ("B", {"B", "B1"}),
])
def test_the_subtree_is_the_unit_and_everything_below(world, sessions, code, expected):
    with sessions() as s:
        root = s.scalars(select(Unit).where(Unit.code == code)).one()
        found = set(s.scalars(select(Unit.code).where(path_under(Unit.path, root.path))))
        outside = set(s.scalars(select(Unit.code).where(not_(path_under(Unit.path, root.path)))))
        assert found == expected
        assert found.isdisjoint(outside) and len(found | outside) == s.scalar(select(func.count()).select_from(Unit))


def test_a_sibling_whose_id_starts_with_the_same_digits_is_not_inside(world, sessions):
    # /1/2/ must not take /1/23/: the range stops before "/1/20", and "3" > "0".
    with sessions() as s, s.begin():
        s.add_all([Unit(code="Z2", name="Z2", level="province", path="/902/"),
                   Unit(code="Z23", name="Z23", level="province", path="/9023/"),
                   Unit(code="Z2x", name="Z2x", level="commune", path="/902/9024/")])
    with sessions() as s:
        assert set(s.scalars(select(Unit.code).where(path_under(Unit.path, "/902/")))) == {"Z2", "Z2x"}


def test_a_path_without_its_closing_slash_is_refused():
    with pytest.raises(ValueError):
        path_under(Unit.path, "/1/2")


def test_the_units_index_serves_it(world, sessions, backend):
    with sessions() as s:
        stmt = select(Unit.id).where(path_under(Unit.path, "/1/"))
        compiled = stmt.compile(dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True})
        if backend == "sqlite":
            plan = " ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "SEARCH" in plan and "ix_units_path" in plan, plan
        else:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in s.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_units_path" in plan, plan
