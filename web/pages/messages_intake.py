"""The meeting intake's and the inbox's own words (issue 15, items 7 and 8), in
Vietnamese and English; merged into ``web.pages.messages.MESSAGES``."""

from __future__ import annotations

__all__ = ["intake_MESSAGES"]

intake_MESSAGES: dict[str, tuple[str, str]] = {
    # the inbox
    "inbox_unread_item": ("Chưa đọc", "Unread"),
    # the intake: required marks and the error summary
    "intake_required_note": ("Mục có dấu * là bắt buộc. Ở mỗi ý kiến đã nhập, cần chọn Lĩnh vực và ghi Nội dung; "
                             "dòng để trống được bỏ qua.",
                             "Fields marked * are required. Each opinion you fill in needs a topic and its content; "
                             "empty rows are skipped."),
    "intake_summary_meeting": ("Buổi tiếp xúc", "The meeting"),
    # the appointment promised to the citizen, for an opinion passed on
    "intake_appointment": ("Hẹn trả lời người dân (ngày, giờ)", "Answer promised to the citizen by"),
    "intake_appointment_hint": ("Để trống nếu chưa hẹn; hạn xử lý theo quy định vẫn áp dụng.",
                                "Leave empty if no time was promised; the regular deadline still applies."),
    # entered so late that its opinions start out overdue
    "intake_late": ("Buổi tiếp xúc ngày {held_on} được nhập muộn: hạn xử lý đầu tiên của các ý kiến "
                    "({due}) đã qua. Nếu lưu, {n} ý kiến sẽ bị tính là quá hạn {days} ngày làm việc ngay từ đầu.",
                    "The meeting of {held_on} is entered late: its opinions' first deadline ({due}) has passed. "
                    "Saved now, {n} opinion(s) will count as {days} working day(s) overdue from the start."),
    "intake_late_confirm": ("Tôi đã hiểu, vẫn lưu", "I understand, save anyway"),
    "intake_late_check": ("Kiểm tra lại ngày tổ chức trước khi lưu.", "Check the meeting's date before saving."),
    # a session or a form that expired before saving: nothing typed is lost
    "intake_session_expired": ("Phiên đăng nhập đã hết hạn trước khi lưu. {n} ý kiến bạn đã nhập vẫn được giữ "
                               "nguyên: đăng nhập lại để tiếp tục, chưa có gì được lưu.",
                               "Your session expired before saving. The {n} opinion(s) you typed are kept: sign in "
                               "again to continue; nothing has been saved yet."),
    "intake_relogin": ("Đăng nhập lại và giữ các ý kiến", "Sign in again and keep the opinions"),
    "intake_kept": ("Đã giữ lại mọi ý kiến bạn đã nhập. Kiểm tra lại rồi bấm “Lưu tất cả ý kiến”.",
                    "Everything you typed is kept. Check it, then press “Save all opinions”."),
    "intake_form_expired": ("Biểu mẫu đã hết hạn (phiên đăng nhập đã đổi). Mọi ý kiến bạn đã nhập vẫn còn: kiểm "
                            "tra lại rồi bấm “Lưu tất cả ý kiến”.",
                            "The form had expired (your session changed). Everything you typed is still here: "
                            "check it, then press “Save all opinions”."),
    "intake_files_again": ("Tệp đính kèm không được giữ lại: hãy chọn lại tệp cho các ý kiến.",
                           "Attached files were not kept: choose them again."),
    # an attendee count nobody typed
    "attendees_not_counted": ("Chưa đếm", "Not counted"),
}
