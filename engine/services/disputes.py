"""A dispute's parties (các bên tranh chấp) for a mediation case (the ``to-dan-van``
workflow): recorded with the case in one transaction, read back only as
``engine.disclosure`` lets the reader see a citizen — full to the village's team
members and the officials and leaders over the case, masked to the Front and
administrators, nothing to anyone who cannot see the case; for a denunciation,
only the handling leaders, as for its author.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import select

from ..actors import Actor
from ..disclosure import SHOW, Contact, contact_for, disclosure
from ..errors import InvalidField
from ..models import Case, CaseParty
from ..uow import UnitOfWork
from .cases import CaseService, NewCase
from .fields import clean_phone, clean_text, optional_text

__all__ = ["PROGRAMME", "Party", "DisputeService", "MAX_PARTIES"]

PROGRAMME = "to-dan-van"

MAX_PARTIES = 20


@dataclass(frozen=True)
class Party:
    name: str
    phone: str | None = None
    address: str | None = None


class DisputeService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def record(self, actor: Actor, new: NewCase, parties: Sequence[Party]) -> str:
        """The dispute's case code; the case and its parties land together or not at all."""
        return self.cases.within(lambda uow: self.record_within(uow, actor, new, parties))

    def record_within(self, uow: UnitOfWork, actor: Actor, new: NewCase, parties: Sequence[Party]) -> str:
        if not 2 <= len(parties) <= MAX_PARTIES:
            raise InvalidField(field="parties", problem_vi=f"một tranh chấp có từ 2 đến {MAX_PARTIES} bên",
                               problem_en=f"a dispute has 2 to {MAX_PARTIES} parties")
        [snap] = self.cases.create_within(uow, actor, [new])
        case_id = uow.session.scalar(select(Case.id).where(Case.code == snap.code))
        uow.session.add_all(
            CaseParty(case_id=case_id, position=i, name=clean_text(f"parties[{i}].name", p.name),
                      phone=clean_phone(p.phone), address=optional_text(f"parties[{i}].address", p.address))
            for i, p in enumerate(parties))
        return snap.code

    def parties(self, actor: Actor, code: str, *, purpose: str = SHOW) -> list[Contact]:
        with self.cases.uow(write=False) as uow:
            case = self.cases.load(uow.session, actor, code)
            level = disclosure(actor, case.kind, case.origin_unit.path, case.handling_unit.path, purpose=purpose)
            rows = uow.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.position))
            return [contact_for(level, p.name, p.phone, p.address) for p in rows]
