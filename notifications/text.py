"""Short phrases for one notification, in Vietnamese or English.

Shared by emails (one line per event) and the in-app inbox. State names come from
the workflow definitions when the caller has them, else from the words of DESIGN.md.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from engine.catalogue import has, pick
from engine.catalogue import text as _
from engine.vocab import KINDS, TOPICS, label

__all__ = ["StateLabel", "default_state_label", "workflow_state_label", "event_phrase", "topic_label",
           "kind_label", "SECTION_OF", "section_of"]

StateLabel = Callable[[str | None, str, str], str]  # (workflow key, state, lang) -> label

# Messages of the catalogue (engine.catalogue): ``notice.state.<state>`` for a state whose
# workflow is unknown, ``notice.remark.<trigger>`` for an auditor's step, and
# ``notice.step.<trigger>`` for the citizen's own steps on the tracking page (the
# leaders are told; never what they wrote).
_REMARK_TRIGGERS = ("remark", "urge", "confirm", "issue_receipt")
_CITIZEN_STEPS = ("citizen_rate", "citizen_recheck")

# Which part of an email a message goes in; the order of SECTIONS is the order shown.
SECTION_OF = {
    "deadline.overdue": "overdue",
    "deadline.escalated": "overdue",
    "deadline.reminder": "due_soon",
    "deadline.informed": "informed",
    "reception.missing": "due_soon",
}


def section_of(kind: str) -> str:
    return SECTION_OF.get(kind, "updates")


def default_state_label(workflow: str | None, state: str, lang: str) -> str:
    return _(f"notice.state.{state}", lang) if has(f"notice.state.{state}") else state


def workflow_state_label(workflows: Mapping[str, Any]) -> StateLabel:
    """State labels from loaded workflow definitions, falling back to the defaults."""
    def lookup(workflow: str | None, state: str, lang: str) -> str:
        wf = workflows.get(workflow or "")
        if wf is not None:
            try:
                return str(wf.label(state, lang))
            except KeyError:
                pass
        return default_state_label(workflow, state, lang)
    return lookup


def topic_label(code: str | None, lang: str) -> str:
    return label(TOPICS, code, lang) if code else ""


def kind_label(code: str | None, lang: str) -> str:
    return label(KINDS, code, lang) if code else ""


def event_phrase(kind: str, data: Mapping[str, Any], lang: str, state_label: StateLabel = default_state_label,
                 days_late: int | None = None, due_text: str | None = None, unit_name: str | None = None) -> str:
    """One line saying what happened, without any personal data."""
    wf = data.get("workflow")
    if kind == "deadline.overdue":
        if days_late:
            if days_late == 1:
                return _("notice.overdue_one_day", lang, n=days_late)
            return _("notice.overdue_days", lang, n=days_late)
        return _("notice.overdue_due", lang, due=due_text) if due_text else _("notice.overdue", lang)
    if kind == "deadline.reminder":
        return _("notice.due_soon_at", lang, due=due_text) if due_text else _("notice.due_soon", lang)
    if kind == "deadline.escalated":
        return _("notice.auto_escalated", lang, where=unit_name or _("notice.higher_level", lang))
    if kind == "deadline.informed":
        return _("notice.informed", lang, where=f" ({unit_name})" if unit_name else "")
    if kind == "case.created":
        return _("notice.case_created", lang)
    if kind == "case.assigned":  # engine.services.assignments: to the person now responsible
        return _("notice.case_assigned", lang)
    if kind == "case.unassigned":
        return _("notice.case_unassigned", lang)
    if kind == "meeting.recorded":  # engine.services.meeting_notice: one line for a meeting's opinions
        n = data.get("opinions") if isinstance(data.get("opinions"), int) else 0
        held = str(data.get("held_on") or "")
        day = f"{held[8:10]}/{held[5:7]}/{held[:4]}" if len(held) == 10 else held
        where = str(data.get("unit_name") or "")
        if n == 1:
            return _("notice.meeting_recorded_one", lang, day=day, where=where, n=n)
        return _("notice.meeting_recorded", lang, day=day, where=where, n=n)
    if kind == "deliveries.dead":  # to admins: some email or webhook deliveries were given up
        n = data.get("count") if isinstance(data.get("count"), int) else 0
        return _("notice.dead_one", lang, n=n) if n == 1 else _("notice.dead", lang, n=n)
    if kind == "reception.missing":  # engine.services.schedules: a month ending short of reception days
        written = data.get("text")
        if isinstance(written, Mapping) and isinstance(written.get("vi"), str):
            return pick((written["vi"], written.get("en") if isinstance(written.get("en"), str) else ""), lang)
        return _("notice.reception_missing", lang)
    if kind == "case.remark":
        trigger = str(data.get("trigger"))
        return _(f"notice.remark.{trigger if trigger in _REMARK_TRIGGERS else 'remark'}", lang)
    if kind == "case.transitioned" and str(data.get("trigger")) in _CITIZEN_STEPS:
        return _(f"notice.step.{data.get('trigger')}", lang)
    if kind == "case.transitioned" and data.get("trigger") == "recompute_due":
        return _("notice.recompute_due", lang)
    if kind == "case.transitioned":
        source, dest = data.get("from"), data.get("to")
        dest_label = state_label(wf, str(dest), lang) if dest else "?"
        if source and source != dest:
            return f"{state_label(wf, str(source), lang)} → {dest_label}"
        return dest_label
    if kind == "support.gift_target":
        return _("notice.gift_target", lang, month=data.get("month"), gifts=data.get("gifts"),
                 target=data.get("target"))
    if kind == "support.coverage":
        villages = ", ".join(str(v) for v in data.get("villages") or [])
        return _("notice.coverage", lang, week=data.get("week"), minimum=data.get("minimum"), villages=villages)
    return _(f"notice.kind.{kind}", lang) if has(f"notice.kind.{kind}") else _("notice.other", lang)
