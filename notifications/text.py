"""Short phrases for one notification, in Vietnamese or English.

Shared by emails (one line per event) and the in-app inbox. State names come from
the workflow definitions when the caller has them, else from the words of DESIGN.md.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from engine.vocab import KINDS, TOPICS, label

__all__ = ["StateLabel", "default_state_label", "workflow_state_label", "event_phrase", "topic_label",
           "kind_label", "SECTION_OF", "section_of"]

StateLabel = Callable[[str | None, str, str], str]  # (workflow key, state, lang) -> label

_STATES: dict[str, tuple[str, str]] = {
    "received": ("Đã tiếp nhận", "Received"),
    "answered_on_site": ("Đã trả lời tại chỗ", "Answered on the spot"),
    "escalated": ("Đã chuyển xử lý", "Escalated"),
    "answered": ("Đã có kết quả trả lời", "Answered"),
    "verified": ("Đã kiểm tra kết quả", "Verified"),
    "resolved": ("Đã giải quyết xong", "Resolved"),
    "merged": ("Đã gộp", "Merged"),
    "withdrawn": ("Đã rút", "Withdrawn"),
}

_REMARKS = {
    "remark": ("Có nhận xét giám sát", "Supervision remark added"),
    "urge": ("Được đôn đốc xử lý", "Urged to act"),
    "confirm": ("Được xác nhận kết quả", "Result confirmed"),
    "issue_receipt": ("Đã in phiếu tiếp nhận (mã PIN mới)", "Receipt printed (new PIN)"),
}

# The citizen's own steps on the tracking page (the leaders are told; never what they wrote).
_CITIZEN_STEPS = {
    "citizen_rate": ("Người dân đã đánh giá kết quả trả lời", "The citizen rated the answer"),
    "citizen_recheck": ("Người dân đề nghị xem xét lại kết quả trả lời", "The citizen asked for a re-check"),
}

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
    return label(_STATES, state, lang)


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
    vi = lang != "en"
    wf = data.get("workflow")
    if kind == "deadline.overdue":
        if days_late:
            return f"Quá hạn {days_late} ngày làm việc" if vi else f"Overdue by {days_late} working day{'s' * (days_late != 1)}"
        return (f"Quá hạn xử lý (hạn {due_text})" if vi else f"Past its deadline ({due_text})") if due_text \
            else ("Quá hạn xử lý" if vi else "Past its deadline")
    if kind == "deadline.reminder":
        return (f"Sắp đến hạn xử lý: {due_text}" if vi else f"Due soon: {due_text}") if due_text \
            else ("Sắp đến hạn xử lý" if vi else "Due soon")
    if kind == "deadline.escalated":
        where = unit_name or ("cấp trên" if vi else "the higher level")
        return f"Quá hạn, đã tự động chuyển lên {where}" if vi else f"Overdue, escalated automatically to {where}"
    if kind == "deadline.informed":
        where = f" ({unit_name})" if unit_name else ""
        return f"Để biết: ý kiến quá hạn đã được chuyển cấp{where}" if vi \
            else f"For your information: an overdue opinion was escalated{where}"
    if kind == "case.created":
        return "Ý kiến mới được tiếp nhận" if vi else "New opinion received"
    if kind == "case.assigned":  # engine.services.assignments: to the person now responsible
        return "Bạn được giao xử lý ý kiến này" if vi else "You were assigned this opinion"
    if kind == "case.unassigned":
        return "Bạn không còn được giao xử lý ý kiến này" if vi else "This opinion is no longer assigned to you"
    if kind == "meeting.recorded":  # engine.services.meeting_notice: one line for a meeting's opinions
        n = data.get("opinions") if isinstance(data.get("opinions"), int) else 0
        held = str(data.get("held_on") or "")
        day = f"{held[8:10]}/{held[5:7]}/{held[:4]}" if len(held) == 10 else held
        where = str(data.get("unit_name") or "")
        return (f"Buổi tiếp xúc ngày {day} tại {where} ghi nhận {n} ý kiến mới" if vi else
                f"The meeting of {day} at {where} recorded {n} new opinion{'s' * (n != 1)}")
    if kind == "deliveries.dead":  # to admins: some email or webhook deliveries were given up
        n = data.get("count") if isinstance(data.get("count"), int) else 0
        return (f"{n} thông báo không gửi được (email/webhook), cần kiểm tra và gửi lại" if vi
                else f"{n} notification{'s' * (n != 1)} could not be delivered (email/webhook): check and retry")
    if kind == "reception.missing":  # engine.services.schedules: a month ending short of reception days
        text = data.get("text")
        if isinstance(text, Mapping) and isinstance(text.get("vi" if vi else "en"), str):
            return str(text["vi" if vi else "en"])
        return "Chưa đủ ngày tiếp công dân định kỳ trong tháng" if vi else "Regular reception days missing this month"
    if kind == "case.remark":
        vi_text, en_text = _REMARKS.get(str(data.get("trigger")), _REMARKS["remark"])
        return vi_text if vi else en_text
    if kind == "case.transitioned" and str(data.get("trigger")) in _CITIZEN_STEPS:
        vi_text, en_text = _CITIZEN_STEPS[str(data.get("trigger"))]
        return vi_text if vi else en_text
    if kind == "case.transitioned" and data.get("trigger") == "recompute_due":
        return "Hạn xử lý được tính lại theo lịch làm việc mới" if vi else "Deadline recomputed on the corrected calendar"
    if kind == "case.transitioned":
        source, dest = data.get("from"), data.get("to")
        dest_label = state_label(wf, str(dest), lang) if dest else "?"
        if source and source != dest:
            return f"{state_label(wf, str(source), lang)} → {dest_label}"
        return dest_label
    if kind == "support.gift_target":
        gifts, target = data.get("gifts"), data.get("target")
        return (f"Tháng {data.get('month')}: mới {gifts}/{target} phần quà" if vi else
                f"{data.get('month')}: only {gifts} of {target} gifts so far")
    if kind == "support.coverage":
        villages = ", ".join(str(v) for v in data.get("villages") or [])
        return (f"Tuần {data.get('week')}: chưa thăm đủ {data.get('minimum')} hộ ở {villages}" if vi else
                f"Week of {data.get('week')}: fewer than {data.get('minimum')} households visited in {villages}")
    return kind
