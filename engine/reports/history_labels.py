"""A case history as the Front reads it: every code of an exported history (states,
triggers, units, users, kinds, dates, the chain's verdict) turned into words, in
Vietnamese or English.

One place for the audit pages, the labelled CSV/XLSX exports and the API's labels,
so a page and a file never name the same thing differently. The machine fields stay
in the JSON export (``engine.reports.audit_export``); this only reads them. A person
is named as the Front may see an official — name and unit; a citizen acting with the
receipt's PIN is "the citizen", never a name (the contact itself is what
``engine.disclosure`` gave the export).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendar import LOCAL_TZ, deadline_parts
from ..models import RoleGrant, Unit, User
from ..vocab import CHANNELS, KINDS, SATISFACTION, TOPICS

__all__ = ["EVENT_TRIGGERS", "DISCLOSURE", "HistoryLabels", "local_text", "deadline_text"]

# History entries that are not transitions of a workflow (those are named by its YAML).
EVENT_TRIGGERS: dict[str, tuple[str, str]] = {
    "receive": ("Tiếp nhận ý kiến", "Received"),
    "remark": ("Nhận xét", "Remark"),
    "urge": ("Ý kiến giám sát – Đôn đốc", "Supervision – urged"),
    "confirm": ("Ý kiến giám sát – Xác nhận", "Supervision – confirmed"),
    "file_removed": ("Xóa tệp theo quyết định", "File removed by decision"),
    "recompute_due": ("Tính lại hạn xử lý theo lịch mới", "Deadline recomputed on the corrected calendar"),
    "auto_escalate": ("Hệ thống tự động chuyển cấp", "Moved up automatically by the system"),
    "extend": ("Gia hạn", "Extension"),
    "issue_receipt": ("In phiếu tiếp nhận", "Receipt printed"),
}
_OTHER_ACTION = ("Thao tác khác", "Other action")
_OTHER_STATE = ("Trạng thái không còn trong quy trình", "A state the workflow no longer has")
_SYSTEM = ("Hệ thống", "The system")
_CITIZEN = ("Người dân (bằng mã PIN trên phiếu)", "The citizen (with the receipt's PIN)")
_UNKNOWN_USER = ("Tài khoản không còn", "An account that no longer exists")
DISCLOSURE: dict[str, tuple[str, str]] = {
    "full": ("Đầy đủ", "Full"),
    "masked": ("Đã che một phần", "Partly masked"),
    "withheld": ("Được bảo mật", "Confidential"),
}
_VERDICT_OK = ("Toàn vẹn", "Intact")
_VERDICT_AT = ("Bị sửa tại sự kiện #{seq}", "Altered at event #{seq}")
_VERDICT_END = ("Bị sửa: cuối lịch sử không khớp với hồ sơ (sự kiện bị xóa hoặc thay)",
                "Altered: the end of the history does not match the case (an event deleted or replaced)")
# Event data shown to people, by key; other keys (digests, file hashes, timers) are for
# machines and stay in the JSON export.
_DATA_UNITS = {"target_unit": ("Chuyển đến đơn vị", "Passed to"), "from_unit": ("Từ đơn vị", "From unit")}
_DATA_TIMES = {"appointment": ("Hẹn trả lời lúc", "Promised answer time"), "due_at": ("Hạn xử lý", "Deadline"),
               "old_due_at": ("Hạn cũ", "Former deadline"), "new_due_at": ("Hạn mới", "New deadline")}
_DATA_TEXT = {"answer": ("Nội dung trả lời", "Answer"), "reason": ("Lý do", "Reason"),
              "duplicate_of": ("Trùng với ý kiến", "Duplicate of"),
              "working_days": ("Số ngày làm việc", "Working days")}


def local_text(value: datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam's time; "" for nothing."""
    if not value:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def deadline_text(value: datetime | str | None) -> str:
    """A deadline as officials read it: a limit ending at midnight is "24:00" of its last
    day (``engine.calendar.deadline_parts``), not 00:00 of the next."""
    if not value:
        return ""
    clock, day = deadline_parts(datetime.fromisoformat(value) if isinstance(value, str) else value)
    return f"{day:%d/%m/%Y} {clock}"


_DEADLINES = frozenset({"due_at", "old_due_at", "new_due_at"})


class HistoryLabels:
    """Labels in one language, reading unit and user names once each per export."""

    def __init__(self, session: Session, lang: str, workflows: Mapping[str, Any]) -> None:
        self.session = session
        self.lang = "en" if lang == "en" else "vi"
        self.workflows = workflows
        self._units: dict[str, str] = {}
        self._people: dict[str, str] = {}

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.lang == "en" else pair[0]

    def unit(self, code: str | None) -> str:
        if not code:
            return ""
        if code not in self._units:
            self._units[code] = self.session.scalar(select(Unit.name).where(Unit.code == code)) or code
        return self._units[code]

    def person(self, username: str) -> str:
        """"Nguyễn Văn Cán (UBND xã Tam Ngãi)": the name and the unit of their first grant."""
        if username == "system":
            return self.pick(_SYSTEM)
        if username == "citizen" or username.startswith("citizen:"):
            return self.pick(_CITIZEN)
        if username not in self._people:
            user = self.session.scalar(select(User).where(User.username == username))
            if user is None:
                self._people[username] = self.pick(_UNKNOWN_USER)
            else:
                unit = self.session.scalar(select(Unit.name).join(RoleGrant, RoleGrant.unit_id == Unit.id)
                                           .where(RoleGrant.user_id == user.id).order_by(RoleGrant.id).limit(1))
                name = user.full_name.strip() or user.username
                self._people[username] = f"{name} ({unit})" if unit else name
        return self._people[username]

    def state(self, workflow: str, state: str | None) -> str:
        if not state:
            return ""
        wf = self.workflows.get(workflow)
        if wf is not None and state in wf.spec.states:
            return str(wf.label(state, self.lang))
        return self.pick(_OTHER_STATE)

    def action(self, workflow: str, trigger: str) -> str:
        wf = self.workflows.get(workflow)
        if wf is not None:
            for t in wf.spec.transitions:
                if t.trigger == trigger:
                    return str(t.label.get(self.lang))
        return self.pick(EVENT_TRIGGERS.get(trigger, _OTHER_ACTION))

    def kind(self, code: str) -> str:
        return self.pick(KINDS.get(code, _OTHER_ACTION))

    def topic(self, code: str) -> str:
        return self.pick(TOPICS.get(code, TOPICS["khac"]))

    def channel(self, code: str | None) -> str:
        return self.pick(CHANNELS.get(code or "", ("", "")))

    def disclosure(self, level: str) -> str:
        return self.pick(DISCLOSURE.get(level, DISCLOSURE["withheld"]))

    def verdict(self, verification: Mapping[str, Any]) -> str:
        """"Toàn vẹn", or where the chain was changed: "Bị sửa tại sự kiện #3"."""
        if verification.get("ok"):
            return self.pick(_VERDICT_OK)
        seq = verification.get("seq")
        return self.pick(_VERDICT_AT).format(seq=seq) if seq else self.pick(_VERDICT_END)

    def details(self, data: Mapping[str, Any] | None) -> str:
        """The event's data a person needs, labelled: "Chuyển đến đơn vị: Phòng Kinh tế; …"."""
        parts: list[str] = []
        for key, value in (data or {}).items():
            if value in (None, "", [], {}):
                continue
            if key in _DATA_UNITS:
                parts.append(f"{self.pick(_DATA_UNITS[key])}: {self.unit(str(value))}")
            elif key in _DATA_TIMES and isinstance(value, str):
                try:
                    shown = deadline_text(value) if key in _DEADLINES else local_text(value)
                    parts.append(f"{self.pick(_DATA_TIMES[key])}: {shown}")
                except ValueError:
                    continue
            elif key in _DATA_TEXT:
                parts.append(f"{self.pick(_DATA_TEXT[key])}: {value}")
            elif key == "satisfaction":
                parts.append(f"{self.pick(('Mức độ hài lòng', 'Satisfaction'))}: "
                             f"{self.pick(SATISFACTION.get(str(value), _OTHER_ACTION))}")
        return "; ".join(parts)

    def event(self, item: Mapping[str, Any], ev: Mapping[str, Any]) -> dict[str, Any]:
        """One exported event in words (``item`` is its case, from ``iter_case_exports``)."""
        wf = item["workflow"]
        moved = ev.get("from") and ev.get("from") != ev.get("to")
        return {
            "seq": ev["seq"], "at": local_text(ev["at"]), "actor": self.person(ev["actor"]),
            "action": self.action(wf, ev["trigger"]),
            "from": self.state(wf, ev.get("from")) if moved else "",
            "to": self.state(wf, ev.get("to")) if moved else "",
            "note": ev.get("note") or "", "details": self.details(ev.get("data")),
            "hash": ev["hash"], "prev_hash": ev["prev_hash"],
        }

    def case(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The case's own fields in words."""
        return {
            "code": item["code"], "kind": self.kind(item["kind"]), "topic": self.topic(item["topic"]),
            "channel": self.channel(item.get("channel")), "state": self.state(item["workflow"], item["state"]),
            "origin_unit": self.unit(item["origin_unit"]), "handling_unit": self.unit(item["handling_unit"]),
            "received_at": local_text(item.get("received_at")), "due_at": deadline_text(item.get("due_at")),
            "verdict": self.verdict(item["verification"]),
            "disclosure": self.disclosure(item["citizen"]["disclosure"]),
        }
