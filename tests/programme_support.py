"""People the programme tests need beyond tests/world.py: a Tổ dân vận member on
village A1 (the limited ``member`` role), created through the same models."""

from __future__ import annotations

from engine.actors import Actor
from engine.models import RoleGrant, User
from engine.services import directory
from engine.services.cases import CaseService

__all__ = ["add_user"]


def add_user(service: CaseService, username: str, role: str, unit: str, full_name: str = "") -> Actor:
    now = service.clock.now()
    with service.uow() as uow:
        user = User(username=username, full_name=full_name or username, password_hash="!", created_at=now)
        uow.session.add(user)
        uow.session.flush()
        uow.session.add(RoleGrant(user_id=user.id, role=role, unit_id=directory.unit_by_code(uow.session, unit).id))
        uow.commit()
    with service.uow(write=False) as uow:
        return directory.actor_for(uow.session, username)
