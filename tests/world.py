"""A small administrative tree and its people, built through the real services.

    P  (province)
    ├── P-SO   provincial department
    ├── A      commune A ── A1, A2 (villages), A-KT (department), A-MT (Front)
    └── B      commune B ── B1
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from engine.actors import Actor
from engine.models import RoleGrant, User
from engine.passwords import hash_password
from engine.services import directory
from engine.services.cases import CaseService, NewCase
from engine.services.views import CaseSnapshot

UNITS = """code,name,level,parent_code
A1,Ấp A1,village,A
A,Xã A,commune,P
P,Tỉnh P,province,
A2,Ấp A2,village,A
A-KT,Phòng Kinh tế xã A,department,A
A-MT,Ủy ban MTTQ xã A,front,A
B,Xã B,commune,P
B1,Ấp B1,village,B
P-SO,Sở Nông nghiệp và Môi trường,department,P
"""

PEOPLE = {
    "off_a": [("official", "A")],
    "lead_a": [("leader", "A")],
    "off_kt": [("official", "A-KT")],
    "lead_kt": [("leader", "A-KT")],
    "off_so": [("official", "P-SO")],
    "aud_p": [("auditor", "P")],
    "off_b": [("official", "B")],
    "lead_b": [("leader", "B")],
    "admin": [("admin", "P")],
}
PASSWORD = "mật-khẩu-thử"


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Argon2 costs tens of milliseconds on purpose; hash once per run, not per user.
    return hash_password(PASSWORD)


@dataclass
class World:
    service: CaseService
    actors: dict[str, Actor]

    def __getitem__(self, username: str) -> Actor:
        return self.actors[username]

    def new_case(self, who: str = "off_a", unit: str = "A1", **kw: object) -> CaseSnapshot:
        fields: dict[str, object] = dict(workflow="nghe-dan-noi", unit=unit, topic="dien_nuoc", kind="kien_nghi",
                                         content="Nước sinh hoạt bị đục", citizen_name="Nguyễn Văn Dân",
                                         citizen_phone="0901234567")
        fields.update(kw)
        return self.service.create(self.actors[who], NewCase(**fields))  # type: ignore[arg-type]


def build_world(service: CaseService) -> World:
    now = service.clock.now()
    with service.uow() as uow:
        directory.import_units(uow.session, directory.read_units_csv(io.StringIO(UNITS)))
        for username, grants in PEOPLE.items():
            user = User(username=username, password_hash=_password_hash(), created_at=now)
            uow.session.add(user)
            uow.session.flush()
            for role, unit in grants:
                uow.session.add(RoleGrant(user_id=user.id, role=role, unit_id=directory.unit_by_code(uow.session, unit).id))
        uow.commit()
    with service.uow(write=False) as uow:
        actors = {u: directory.actor_for(uow.session, u) for u in PEOPLE}
    return World(service, actors)
