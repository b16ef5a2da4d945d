"""The case list's assignee filter and its bulk assignment in the UI catalogue
(``web.pages.messages.MESSAGES`` takes them in). Every key has vi and en."""

from __future__ import annotations

__all__ = ["finish_MESSAGES"]

finish_MESSAGES: dict[str, tuple[str, str]] = {
    "finish_assignee": ("Người được giao", "Assignee"),
    "finish_assignee_me": ("Giao cho tôi", "Assigned to me"),
    "finish_assignee_none": ("Chưa giao cho ai", "Nobody assigned"),
    "finish_bulk_assign": ("Giao xử lý cho một người", "Assign to a person"),
    "finish_bulk_assignee": ("Giao cho", "Assign to"),
    "finish_bulk_pick_person": ("Hãy chọn người được giao xử lý.", "Choose the person to assign."),
    "finish_bulk_assign_hint": ("Chỉ lãnh đạo đơn vị đang xử lý mới giao được; người được giao phải làm việc tại "
                                "đơn vị đó.",
                                "Only a leader of the handling unit may assign; the assignee must work in that "
                                "unit."),
}
