"""The services of the field's other programmes, built together on one case service
(web.container builds this once per process, with the case service it runs on)."""

from __future__ import annotations

from .cases import CaseService
from .dialogues import DialogueService
from .disputes import DisputeService
from .receptions import ReceptionService
from .schedules import ScheduleService
from .teams import TeamService

__all__ = ["ProgrammeServices"]


class ProgrammeServices:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases
        self.teams = TeamService(cases)
        self.schedules = ScheduleService(cases)
        self.receptions = ReceptionService(cases)
        self.dialogues = DialogueService(cases)
        self.disputes = DisputeService(cases)
