"""The officials' case work in the UI catalogue (``web.pages.messages.MESSAGES`` takes
them in): extensions (gia hạn), assignment (giao xử lý), "Việc của tôi" and the
lateness kept visible on the board. Every key has vi and en."""

from __future__ import annotations

__all__ = ["caseflow_MESSAGES"]

caseflow_MESSAGES: dict[str, tuple[str, str]] = {
    # history labels of the engine's own steps (web.pages.i18n.Translator.trigger)
    "trigger_extend": ("Gia hạn xử lý", "Deadline extended"),
    "trigger_assign": ("Giao xử lý", "Assignment"),
    "trigger_auto_escalate": ("Tự động chuyển lên cấp trên do quá hạn", "Escalated automatically (overdue)"),
    "cf_how_assign": ("Giao cho", "Assigned to"),
    "cf_how_take": ("Tự nhận xử lý", "Taken by"),
    "cf_how_release": ("Thôi giao", "Released"),
    "cf_previous": ("Trước đó giao cho", "Previously assigned to"),
    "cf_released_assignee": ("Thôi giao cho (do chuyển đơn vị)", "No longer assigned (moved to another unit)"),
    "cf_working_days": ("Số ngày làm việc gia hạn", "Working days granted"),
    "cf_previous_due": ("Hạn trước khi gia hạn", "Deadline before the extension"),
    # extension
    "cf_extend_title": ("Gia hạn xử lý", "Extend the deadline"),
    "cf_extend_intro": ("Còn được gia hạn tối đa {days} ngày làm việc ({times} lần) theo quy trình. Hạn hiện tại: {due}.",
                        "Up to {days} more working days ({times} more time(s)) may be granted under the programme. "
                        "Current deadline: {due}."),
    "cf_extend_days": ("Số ngày làm việc gia hạn", "Working days to add"),
    "cf_extend_reason": ("Lý do gia hạn", "Reason for the extension"),
    "cf_extend_button": ("Gia hạn", "Extend"),
    "cf_extend_done": ("Đã gia hạn; hạn xử lý mới ghi ở phần tóm tắt.", "Extended; the new deadline is in the summary."),
    "cf_days_invalid": ("Số ngày phải là số nguyên từ 1 đến {days}.", "The days must be a whole number from 1 to {days}."),
    "cf_extended": ("Đã gia hạn", "Extended"),
    "cf_extended_line": ("thêm {days} ngày làm việc ngày {at}, bởi {who}: {reason}",
                         "{days} more working days on {at}, by {who}: {reason}"),
    "cf_extended_short": ("Đã gia hạn {days} ngày ({at}, {who})", "Extended by {days} days ({at}, {who})"),
    # assignment
    "cf_assign_title": ("Người được giao xử lý", "Assignee"),
    "cf_nobody": ("Chưa giao cho ai", "Nobody assigned"),
    "cf_assignee_label": ("Giao cho", "Assign to"),
    "cf_assign_button": ("Giao xử lý", "Assign"),
    "cf_take_button": ("Nhận xử lý", "Take it"),
    "cf_release_button": ("Thôi giao", "Release"),
    "cf_assign_done": ("Đã cập nhật người được giao xử lý.", "The assignee was updated."),
    "cf_assign_hint": ("Chỉ những người đang làm việc tại đơn vị xử lý.", "Only people working in the handling unit."),
    "cf_needs_assignee": ("Cần giao cho một người xử lý trước khi “{label}”.",
                          "The case must be assigned to a person before “{label}”."),
    "cf_who_acts": ("Người phải xử lý", "Who must act"),
    "cf_who_unit": ("{roles} – {unit}", "{roles} – {unit}"),
    "cf_roles_sep": (" hoặc ", " or "),
    # "Việc của tôi"
    "nav_my_cases": ("Việc của tôi", "My cases"),
    "cf_my_title": ("Việc của tôi", "My cases"),
    "cf_my_intro": ("Các ý kiến đang mở được giao cho bạn, quá hạn trước.",
                    "Open opinions assigned to you, overdue first."),
    "cf_my_none": ("Hiện không có ý kiến nào được giao cho bạn.", "Nothing is assigned to you right now."),
    "cf_my_count": ("{n} ý kiến", "{n} opinions"),
    # lateness kept visible
    "cf_late_below": ("Đã quá hạn ở cấp dưới", "Overdue at a lower level"),
    "cf_late_below_intro": ("Ý kiến đã quá hạn ở đơn vị trước rồi mới chuyển đến đơn vị bạn; vẫn ở đây cho đến khi "
                            "có kết quả trả lời.",
                            "Opinions that went overdue at the previous unit before reaching yours; they stay "
                            "here until answered."),
    "cf_late_below_since": ("Quá hạn ở {unit}, chuyển ngày {at}", "Overdue at {unit}, passed on {at}"),
    # reports: timeliness at the level that held each stage (engine.reports.levels)
    "cf_level_title": ("Đúng hạn theo cấp xử lý: các bước do {unit} đảm nhận", "Timeliness of the stages {unit} held"),
    "cf_level_figure": ("Chỉ tiêu", "Figure"),
    "cf_level_count": ("Số ý kiến", "Opinions"),
    "cf_level_on_time": ("Đúng hạn", "On time"),
    "cf_level_extended": ("Đúng hạn sau gia hạn", "On time after an extension"),
    "cf_level_late": ("Trễ hạn tại cấp này", "Late at this level"),
    "cf_late_below_none": ("Không có ý kiến nào quá hạn ở cấp dưới.", "No opinion went overdue at a lower level."),
}
