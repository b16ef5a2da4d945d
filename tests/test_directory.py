"""Units, users, grants and sign-in checks."""

from __future__ import annotations

import io

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select

from engine.models import Unit, User
from engine.services import directory

from .world import PASSWORD


def test_paths_follow_the_tree_and_moves(world, service):
    with service.uow() as uow:
        s = uow.session
        a1, a, p = (directory.unit_by_code(s, c) for c in ("A1", "A", "P"))
        assert a1.path == f"{p.path}{a.id}/{a1.id}/"
        # The 2025 reform: village A1 moves from commune A to commune B.
        directory.import_units(s, directory.read_units_csv(io.StringIO(
            "code,name,level,parent_code\nA1,Ấp A1,village,B\n")))
        b = directory.unit_by_code(s, "B")
        assert a1.path == f"{b.path}{a1.id}/"
        uow.commit()


def test_moving_a_commune_moves_its_villages(world, service):
    with service.uow() as uow:
        s = uow.session
        s.add(Unit(code="P2", name="Tỉnh mới", level="province", path="/"))
        s.flush()
        p2 = directory.unit_by_code(s, "P2")
        p2.path = f"/{p2.id}/"
        directory.import_units(s, directory.read_units_csv(io.StringIO(
            "code,name,level,parent_code,valid_from,valid_to,successor_code\nA,Xã A,commune,P2,,,\n")))
        a2 = directory.unit_by_code(s, "A2")
        assert a2.path.startswith(p2.path)
        uow.commit()


def test_successor_and_validity_are_recorded(world, service):
    with service.uow() as uow:
        directory.import_units(uow.session, directory.read_units_csv(io.StringIO(
            "code,name,level,parent_code,valid_from,valid_to,successor_code\nA2,Ấp A2,village,A,,2025-07-01,A1\n")))
        a2 = directory.unit_by_code(uow.session, "A2")
        assert a2.successor_id == directory.unit_by_code(uow.session, "A1").id
        assert str(a2.valid_to) == "2025-07-01"


def test_actor_scope_and_roles(world):
    lead = world["lead_a"]
    assert lead.scope_paths() == (lead.grants[0].unit_path,)
    assert world["aud_p"].roles_over(lead.grants[0].unit_path) == {"auditor"}
    assert world["off_b"].roles_over(lead.grants[0].unit_path) == set()


def test_authenticate_and_rehash_outdated_hash(world, service):
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024),)).hash(PASSWORD)
    with service.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == "off_a"))
        user.password_hash = weak
        uow.commit()
    with service.uow() as uow:
        assert directory.authenticate(uow.session, "off_a", "sai") is None
        assert directory.authenticate(uow.session, "nobody", PASSWORD) is None
        assert directory.authenticate(uow.session, "off_a", "x" * 5000) is None
        user = directory.authenticate(uow.session, "off_a", PASSWORD)
        assert user is not None and user.password_hash != weak
        uow.commit()
    with service.uow() as uow:
        assert directory.authenticate(uow.session, "off_a", PASSWORD) is not None


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "<script>", "admin;drop"])
def test_bad_usernames_are_refused(service, name, clock):
    from engine.errors import InvalidField
    with service.uow() as uow:
        with pytest.raises(InvalidField):
            directory.add_user(uow.session, name, "pw", now=clock.now())
