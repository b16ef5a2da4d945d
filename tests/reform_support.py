"""The 2025 reform, built through the real services.

Before 1 July 2025::

    P  (province)
    └── D  district ── A (commune) ── A1 (village)
                     ├─ B (commune) ── B1 (village)
                     └─ E (commune) ── E1 (village)

On 2025-07-01 communes A and B merge into the new commune C (under P), village A1
is re-parented to C and B1 is not (it ends with B); the district D is abolished,
its work going to P, and commune E is re-parented to P.

Cases (local dates): A1 03/03 (resolved by 06/30), A1 10/04, A 05/05, B1 02/06,
B1 20/06, B 25/06, E1 20/05 — all before the change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from engine.actors import Actor
from engine.calendar import LOCAL_TZ
from engine.clock import FrozenClock
from engine.models import RoleGrant, User
from engine.services import directory
from engine.services import units as unit_changes
from engine.services.cases import CaseService, NewCase
from engine.workflow.finality import final_states

from .world import PASSWORD, _password_hash

__all__ = ["Reform", "build_reform", "apply_reform", "REFORM_DAY", "PASSWORD", "local"]

REFORM_DAY = date(2025, 7, 1)

UNITS = """code,name,level,parent_code,valid_from,valid_to,successor_code
P,Tỉnh P,province,,,,
D,Huyện D,district,P,,,
A,Xã A,commune,D,,,
A1,Ấp A1,village,A,,,
B,Xã B,commune,D,,,
B1,Ấp B1,village,B,,,
E,Xã E,commune,D,,,
E1,Ấp E1,village,E,,,
C,Xã C,commune,P,2025-07-01,,
"""

PEOPLE = {
    "off_a": [("official", "A")], "lead_a": [("leader", "A")],
    "off_b": [("official", "B")], "lead_b": [("leader", "B")],
    "off_e": [("official", "E")], "lead_d": [("leader", "D")],
    "off_c": [("official", "C")], "lead_c": [("leader", "C")],
    "lead_p": [("leader", "P")],
}


def local(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=LOCAL_TZ)


@dataclass
class Reform:
    service: CaseService
    clock: FrozenClock
    codes: dict[str, str] = field(default_factory=dict)  # name in the docstring's list -> case code

    def actor(self, username: str) -> Actor:
        """The user as a request on the clock's day sees them (successors included)."""
        with self.service.session_factory() as session:
            return directory.actor_for(session, username, on=self.clock.now().astimezone(LOCAL_TZ).date())

    def new_case(self, who: str, unit: str, received: datetime, **kw: object) -> str:
        self.clock.set(received)
        fields: dict[str, object] = dict(workflow="nghe-dan-noi", unit=unit, topic="dien_nuoc", kind="kien_nghi",
                                         content=f"Ý kiến tại {unit}", citizen_name="Nguyễn Văn Dân",
                                         citizen_phone="0901234567")
        fields.update(kw)
        return self.service.create(self.actor(who), NewCase(**fields)).code  # type: ignore[arg-type]


def build_reform(service: CaseService, clock: FrozenClock) -> Reform:
    """The tree, its people and the cases before the change (nothing merged yet)."""
    clock.set(local(2025, 3, 1))
    with service.uow() as uow:
        directory.import_units(uow.session, directory.read_units_csv(io.StringIO(UNITS)))
        for username, grants in PEOPLE.items():
            user = User(username=username, password_hash=_password_hash(), created_at=clock.now())
            uow.session.add(user)
            uow.session.flush()
            for role, unit in grants:
                uow.session.add(RoleGrant(user_id=user.id, role=role,
                                          unit_id=directory.unit_by_code(uow.session, unit).id))
        uow.commit()
    r = Reform(service, clock)
    r.codes["a1_resolved"] = r.new_case("off_a", "A1", local(2025, 3, 3))
    for who, trigger, data in (("off_a", "answer_on_site", {"answer": "Đã sửa"}),
                               ("lead_a", "verify", {"satisfaction": "satisfied", "note": "ok"}),
                               ("off_a", "resolve", {})):
        clock.set(local(2025, 3, 5))
        service.fire(r.actor(who), r.codes["a1_resolved"], trigger, data)
    r.codes["a1_open"] = r.new_case("off_a", "A1", local(2025, 4, 10))
    r.codes["a_open"] = r.new_case("off_a", "A", local(2025, 5, 5))
    r.codes["b1_june"] = r.new_case("off_b", "B1", local(2025, 6, 2))
    r.codes["b1_late_june"] = r.new_case("off_b", "B1", local(2025, 6, 20))
    r.codes["b_open"] = r.new_case("off_b", "B", local(2025, 6, 25))
    r.codes["e1_open"] = r.new_case("off_e", "E1", local(2025, 5, 20))
    return r


def apply_reform(r: Reform) -> list[unit_changes.MergeReport]:
    """The decisions of 1 July 2025, each one transaction as the CLI applies them."""
    r.clock.set(local(2025, 7, 1, 8))
    done = []
    for olds, into, move in ((["A", "B"], "C", ["A1"]), (["D"], "P", ["E"])):
        with r.service.uow() as uow:
            done.append(unit_changes.merge_units(uow.session, olds, into, REFORM_DAY, move=move,
                                                 final_states=final_states(r.service.workflows)))
            uow.commit()
    return done

