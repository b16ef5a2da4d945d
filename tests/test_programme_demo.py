"""The demo shows every programme (``make run``): loading it writes reception days,
dialogues, teams and disputes once, and the programmes' figures read them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from engine.actors import SYSTEM
from engine.models import Case, PublicDocument, ReceptionDay, Team, TeamMember
from engine.reports.programmes import dialogue_coverage, reception_figures, team_figures
from web.demo import load_demo


def test_the_demo_has_the_five_programmes_once(container):
    load_demo(container)
    with container.sessions() as s:
        before = {m.__name__: s.scalar(select(func.count()).select_from(m))
                  for m in (ReceptionDay, PublicDocument, Team, TeamMember, Case)}
        programmes = set(s.scalars(select(Case.workflow_key).distinct()))
    assert programmes == set(container.workflows) and len(programmes) == 5
    load_demo(container)
    with container.sessions() as s:
        after = {m.__name__: s.scalar(select(func.count()).select_from(m))
                 for m in (ReceptionDay, PublicDocument, Team, TeamMember, Case)}
        start, end = date(2026, 10, 1), date(2026, 11, 30)
        coverage = dialogue_coverage(s, SYSTEM, "TVH", start, end)
        teams = team_figures(s, SYSTEM, "TVH", start, end)
        receptions = reception_figures(s, SYSTEM, "TVH", start, end)
    assert after == before and before["ReceptionDay"] == 2 and before["PublicDocument"] == 1
    assert (coverage.held, coverage.total) == (2, 2)
    assert (teams.villages, teams.with_team) == (6, 6) and teams.members == before["TeamMember"]
    assert (teams.settled, teams.failed, teams.sent_up) == (1, 1, 1)
    assert receptions.days == 2 and receptions.petitions == 6
