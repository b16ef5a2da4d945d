"""Languages of the web pages: Vietnamese by default, English on request.

Labels of the domain come from where they are defined (workflow YAML for states and
actions, ``engine.vocab`` for topics, kinds, channels); everything the templates
write themselves is in ``MESSAGES``. Also here: dates in local time, and the
Vietnamese alphabetical order. Folding for search is ``engine.search.fold``
(re-exported here for templates and helpers of the pages).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from engine.calendar import LOCAL_TZ, deadline_parts
from engine.errors import DomainError
from engine.search import fold

__all__ = ["LANGS", "DEFAULT_LANG", "MESSAGES", "Translator", "fold", "vi_sort_key", "local_date", "local_dt",
           "FIELD_LABELS"]

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

# Field names of the workflow format, as a person reads them.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "answer": ("Nội dung trả lời", "Answer"),
    "target_unit": ("Chuyển đến đơn vị", "Pass to unit"),
    "reason": ("Lý do", "Reason"),
    "appointment": ("Hẹn trả lời lúc", "Promised answer time"),
    "satisfaction": ("Mức độ hài lòng của người dân", "Citizen's satisfaction"),
    "duplicate_of": ("Mã ý kiến gốc (trùng)", "Code of the original case"),
    "note": ("Ghi chú", "Note"),
    "content": ("Nội dung ý kiến", "Opinion"),
    "topic": ("Lĩnh vực", "Topic"),
    "kind": ("Loại", "Kind"),
    "channel": ("Hình thức tiếp nhận", "Channel"),
    "unit": ("Đơn vị", "Unit"),
    "handling_unit": ("Đơn vị xử lý", "Handling unit"),
    "citizen_name": ("Họ tên người dân", "Citizen's name"),
    "citizen_phone": ("Số điện thoại", "Phone"),
    "citizen_address": ("Địa chỉ", "Address"),
    "received_at": ("Thời điểm tiếp nhận", "Received at"),
    "meeting_id": ("Buổi tiếp xúc", "Meeting"),
    "workflow": ("Chương trình", "Programme"),
    "kind_remark": ("Loại ý kiến giám sát", "Kind of remark"),
    "held_on": ("Ngày tổ chức", "Date held"),
    "place": ("Địa điểm", "Place"),
    "hosts": ("Chủ trì", "Hosts"),
    "attendees": ("Số người dự", "Attendees"),
    "outcome": ("Xử lý", "Outcome"),
    "village": ("Thôn, ấp, khóm", "Village"),
    "version": ("Phiên bản", "Version"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "day": ("Ngày", "Day"),
    "consent_channel": ("Kênh nhận tin", "Message channel"),
    "consent_address": ("Địa chỉ nhận tin", "Message address"),
    "consent_author_requested": ("Người tố cáo yêu cầu nhận tin", "Author asked for messages"),
}

# Triggers that are not workflow transitions.
TRIGGER_LABELS: dict[str, tuple[str, str]] = {
    "receive": ("Tiếp nhận ý kiến", "Received"),
    "remark": ("Nhận xét giám sát", "Supervision remark"),
    "urge": ("Đôn đốc", "Urged"),
    "confirm": ("Xác nhận", "Confirmed"),
    "file_removed": ("Xóa tệp theo quyết định", "File removed by decision"),
    "recompute_due": ("Tính lại hạn xử lý theo lịch mới", "Deadline recomputed on the corrected calendar"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "app_name": ("Nghe dân nói", "Citizens' opinions"),
    "app_tagline": ("Theo dõi ý kiến, kiến nghị của người dân", "Following citizens' opinions until answered"),
    "skip": ("Bỏ qua, đến nội dung chính", "Skip to main content"),
    "nav_board": ("Việc cần làm", "Overdue board"),
    "nav_cases": ("Ý kiến", "Cases"),
    "nav_intake": ("Nhập buổi tiếp xúc", "Record a meeting"),
    "nav_meetings": ("Buổi tiếp xúc", "Meetings"),
    "nav_inbox": ("Thông báo", "Inbox"),
    "nav_admin": ("Quản trị", "Admin"),
    "nav_track": ("Tra cứu", "Track"),
    "nav_password": ("Đổi mật khẩu", "Change password"),
    "signed_in_as": ("Đăng nhập: {name}", "Signed in: {name}"),
    "logout": ("Đăng xuất", "Sign out"),
    "language": ("Ngôn ngữ", "Language"),
    "lang_vi": ("Tiếng Việt", "Tiếng Việt"),
    "lang_en": ("English", "English"),
    "login_title": ("Đăng nhập", "Sign in"),
    "login_button": ("Đăng nhập", "Sign in"),
    "login_failed": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
    "login_throttled": ("Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút.",
                        "Too many failed sign-ins. Try again in {minutes} minutes."),
    "login_hint": ("Dành cho cán bộ, lãnh đạo và giám sát. Người dân tra cứu ý kiến tại trang Tra cứu.",
                   "For officials, leaders and the Front. Citizens track their opinion on the Track page."),
    "logged_out": ("Bạn đã đăng xuất.", "You are signed out."),
    "password_title": ("Đổi mật khẩu", "Change password"),
    "password_current": ("Mật khẩu hiện tại", "Current password"),
    "password_new": ("Mật khẩu mới (ít nhất 8 ký tự)", "New password (at least 8 characters)"),
    "password_repeat": ("Nhập lại mật khẩu mới", "Repeat the new password"),
    "password_wrong": ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
    "password_short": ("Mật khẩu mới phải có từ 8 đến 1024 ký tự.", "The new password needs 8 to 1024 characters."),
    "password_mismatch": ("Hai lần nhập mật khẩu mới không khớp.", "The two new passwords differ."),
    "password_same": ("Mật khẩu mới phải khác mật khẩu cũ.", "The new password must differ from the old one."),
    "password_changed": ("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.",
                         "Password changed. Your other sessions were signed out."),
    "save": ("Lưu", "Save"),
    "search": ("Tìm", "Search"),
    "filter": ("Lọc", "Filter"),
    "clear": ("Xóa bộ lọc", "Clear filters"),
    "all": ("Tất cả", "All"),
    "open_only": ("Đang xử lý (chưa kết thúc)", "Open (not closed)"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "none": ("—", "—"),
    "code": ("Mã ý kiến", "Code"),
    "topic": ("Lĩnh vực", "Topic"),
    "village": ("Nơi phát sinh", "Raised in"),
    "handling_unit": ("Đơn vị xử lý", "Handling unit"),
    "state": ("Trạng thái", "State"),
    "deadline": ("Hạn xử lý", "Deadline"),
    "late_days": ("Số ngày làm việc quá hạn", "Working days late"),
    "late_n": ("quá {n} ngày", "{n} days late"),
    "late_today": ("quá hạn hôm nay", "overdue today"),
    "received": ("Ngày tiếp nhận", "Received"),
    "programme": ("Chương trình", "Programme"),
    "kind": ("Loại", "Kind"),
    "channel": ("Hình thức tiếp nhận", "Channel"),
    "content": ("Nội dung", "Content"),
    "answer": ("Trả lời", "Answer"),
    "appointment": ("Hẹn trả lời", "Promised answer"),
    "satisfaction": ("Mức độ hài lòng", "Satisfaction"),
    "duplicate_of": ("Trùng với ý kiến", "Duplicate of"),
    "meeting": ("Buổi tiếp xúc", "Meeting"),
    "citizen": ("Người dân", "Citizen"),
    "citizen_anonymous": ("Không để lại thông tin", "Anonymous"),
    "citizen_confidential": ("Danh tính người tố cáo được giữ bí mật (Luật Tố cáo 2018).",
                             "The denouncer's identity is confidential (Denunciation Law 2018)."),
    "citizen_masked": ("đã che theo quy định bảo vệ dữ liệu cá nhân", "masked under personal data protection"),
    "board_title": ("Việc cần làm", "Overdue board"),
    "board_intro": ("Các ý kiến thuộc đơn vị của bạn: quá hạn trước, quá hạn lâu nhất ở đầu.",
                    "Cases in your units: overdue first, the latest at the top."),
    "board_overdue": ("Quá hạn", "Overdue"),
    "board_soon": ("Đến hạn trong 2 ngày làm việc tới", "Due in the next two working days"),
    "board_soon_short": ("Sắp đến hạn", "Due soon"),
    "board_none_overdue": ("Không có ý kiến nào quá hạn.", "Nothing is overdue."),
    "board_none_soon": ("Không có ý kiến nào sắp đến hạn.", "Nothing is due soon."),
    "board_more": ("Còn {n} ý kiến quá hạn nữa — xem tất cả", "{n} more overdue — see all"),
    "board_open": ("Đang xử lý", "Open"),
    "board_counts": ("Tổng quan", "Summary"),
    "cases_title": ("Danh sách ý kiến", "Cases"),
    "cases_q": ("Tìm theo nội dung hoặc mã", "Search content or code"),
    "cases_q_hint": ("Gõ không dấu cũng được, ví dụ: nuoc sinh hoat", "Accents optional, e.g. nuoc sinh hoat"),
    "cases_overdue": ("Chỉ ý kiến quá hạn", "Overdue only"),
    "cases_sort": ("Sắp xếp", "Sort"),
    "sort_due": ("Hạn gần nhất trước", "Earliest deadline first"),
    "sort_new": ("Mới tiếp nhận trước", "Newest first"),
    "cases_none": ("Không có ý kiến nào phù hợp.", "No case matches."),
    "next_page": ("Trang sau →", "Next page →"),
    "first_page": ("← Trang đầu", "← First page"),
    "case_title": ("Ý kiến {code}", "Case {code}"),
    "case_summary": ("Thông tin ý kiến", "About this case"),
    "timeline": ("Lịch sử xử lý", "History"),
    "actions": ("Thao tác", "Actions"),
    "actions_none": ("Bạn không có thao tác nào với ý kiến này ở trạng thái hiện tại.",
                     "There is nothing you may do with this case in its current state."),
    "auditor_readonly": ("Bạn xem ý kiến này với vai trò giám sát: chỉ xem, nhận xét, đôn đốc, xác nhận.",
                         "You see this case as a supervisor: read, remark, urge, confirm."),
    "required": ("bắt buộc", "required"),
    "optional": ("không bắt buộc", "optional"),
    "choose": ("— Chọn —", "— Choose —"),
    "do_action": ("Thực hiện: {label}", "Do: {label}"),
    "action_done": ("Đã thực hiện: {label}.", "Done: {label}."),
    "remark_title": ("Ý kiến giám sát", "Supervision"),
    "remark_kind": ("Loại", "Kind"),
    "remark_remark": ("Nhận xét", "Remark"),
    "remark_urge": ("Đôn đốc", "Urge"),
    "remark_confirm": ("Xác nhận", "Confirm"),
    "remark_note": ("Nội dung", "Text"),
    "remark_button": ("Ghi vào lịch sử", "Add to the history"),
    "remark_done": ("Đã ghi ý kiến giám sát.", "Remark added."),
    "export": ("Xuất lịch sử", "Export history"),
    "chain_ok": ("Chuỗi băm toàn vẹn: {n} sự kiện.", "Hash chain intact: {n} events."),
    "chain_broken": ("Chuỗi băm bị phá vỡ: {problem}", "Hash chain broken: {problem}"),
    "by": ("bởi", "by"),
    "due_was_set": ("Hạn xử lý", "Deadline"),
    "stale_reload": ("Tải lại ý kiến", "Reload the case"),
    "appointment_format": ("Ngày giờ theo giờ Việt Nam", "Date and time, Vietnam time"),
    "appointment_invalid": ("không đúng dạng ngày giờ", "is not a date and time"),
    "version_invalid": ("Biểu mẫu không hợp lệ, hãy tải lại trang.", "The form is invalid; reload the page."),
    "intake_title": ("Nhập ý kiến của buổi tiếp xúc", "Record a meeting's opinions"),
    "intake_intro": ("Nhập thông tin buổi tiếp xúc một lần, rồi mỗi dòng một ý kiến. Dòng để trống được bỏ qua. "
                     "Tất cả ý kiến được lưu cùng lúc, hoặc không lưu ý kiến nào nếu có lỗi.",
                     "Enter the meeting once, then one row per opinion. Empty rows are skipped. "
                     "All opinions are saved together, or none if anything is wrong."),
    "intake_meeting": ("Buổi tiếp xúc", "The meeting"),
    "intake_unit": ("Đơn vị tổ chức", "Held by unit"),
    "intake_row": ("Ý kiến {n}", "Opinion {n}"),
    "intake_more": ("Thêm 5 dòng", "Add 5 rows"),
    "intake_save": ("Lưu tất cả ý kiến", "Save all opinions"),
    "intake_village_default": ("Như đơn vị tổ chức", "Same as the meeting's unit"),
    "outcome_record": ("Ghi nhận, xử lý sau", "Record, handle later"),
    "outcome_answer": ("Đã trả lời tại chỗ", "Answered on the spot"),
    "outcome_escalate": ("Chuyển đơn vị khác xử lý", "Escalate to a unit"),
    "intake_answer": ("Nội dung trả lời tại chỗ", "Answer given on the spot"),
    "intake_reason": ("Lý do chuyển (nếu có)", "Reason for escalating (optional)"),
    "intake_errors": ("Chưa lưu: có {n} lỗi, xem các ô được đánh dấu.", "Nothing saved: {n} problem(s), see the marked fields."),
    "intake_empty": ("Chưa có ý kiến nào: hãy nhập ít nhất một dòng.", "No opinion yet: fill in at least one row."),
    "intake_no_answer": ("cần nội dung trả lời tại chỗ", "needs the answer given on the spot"),
    "intake_no_target": ("cần chọn đơn vị nhận", "needs the unit to pass it to"),
    "intake_saved": ("Đã lưu {n} ý kiến của buổi tiếp xúc.", "Saved {n} opinions of the meeting."),
    "intake_replayed": ("Biểu mẫu này đã được gửi trước đó; không lưu thêm lần nữa.",
                        "This form was already submitted; nothing was saved again."),
    "meetings_title": ("Các buổi tiếp xúc", "Meetings"),
    "meetings_none": ("Chưa có buổi tiếp xúc nào.", "No meeting yet."),
    "meeting_title": ("Buổi tiếp xúc ngày {day}", "Meeting of {day}"),
    "meeting_opinions": ("Ý kiến ({n})", "Opinions ({n})"),
    "opinions_count": ("Số ý kiến", "Opinions"),
    "track_title": ("Tra cứu ý kiến", "Track your opinion"),
    "track_intro": ("Nhập mã ý kiến in trên phiếu tiếp nhận (ví dụ TVH-2026-7K3M9QX).",
                    "Type the code printed on your receipt (e.g. TVH-2026-7K3M9QX)."),
    "track_code": ("Mã ý kiến", "Tracking code"),
    "track_button": ("Tra cứu", "Look up"),
    "track_not_found": ("Không tìm thấy ý kiến với mã này. Hãy kiểm tra lại mã trên phiếu.",
                        "No opinion has this code. Check the code on your receipt."),
    "track_limited": ("Bạn đã tra cứu quá nhiều lần. Hãy thử lại sau ít phút.",
                      "Too many lookups. Try again in a few minutes."),
    "track_steps": ("Các bước xử lý", "Steps"),
    "track_privacy": ("Trang này không hiển thị thông tin cá nhân của người dân hay cán bộ.",
                      "This page shows no personal data of citizens or officials."),
    "inbox_title": ("Thông báo", "Inbox"),
    "inbox_mark_read": ("Đánh dấu tất cả đã đọc", "Mark all as read"),
    "pages": ("Chuyển trang", "Pages"),
    "inbox_unavailable": ("Chức năng thông báo chưa được bật trên máy chủ này.",
                          "Notifications are not enabled on this server."),
    "inbox_unread": ("{n} thông báo chưa đọc.", "{n} unread notifications."),
    "admin_title": ("Quản trị", "Administration"),
    "admin_units": ("Đơn vị", "Units"),
    "admin_users": ("Người dùng", "Users"),
    "admin_calendar": ("Ngày nghỉ, ngày làm bù", "Days off and make-up working days"),
    # -- calendar corrections (branch calendar) --
    "due_instant": ("{time} ngày {date}", "{time} on {date}"),
    "cal_year": ("Lịch năm {year}", "Calendar {year}"),
    "cal_source": ("Ngày lễ có sẵn theo {source}", "Built-in holidays from {source}"),
    "cal_holidays": ("Ngày nghỉ lễ", "Public holidays"),
    "cal_swaps": ("Ngày làm bù (thứ Bảy)", "Make-up working days (Saturdays)"),
    "cal_overrides": ("Điều chỉnh của quản trị", "Admin overrides"),
    "cal_added_by": ("Người thêm", "Added by"),
    "cal_added_at": ("Thời điểm thêm", "Added at"),
    "cal_none": ("(không có)", "(none)"),
    "cal_show_year": ("Xem năm", "Show year"),
    "cal_remove_confirm": ("Bỏ điều chỉnh ngày {day}?", "Remove the override of {day}?"),
    "cal_remove_moves": ("Hạn của {n} ý kiến đang mở sẽ thay đổi:", "The deadlines of {n} open cases will move:"),
    "cal_remove_moves_none": ("Không có hạn xử lý nào đang mở thay đổi.", "No open deadline moves."),
    "cal_remove_yes": ("Đồng ý bỏ", "Yes, remove it"),
    "cal_keep": ("Giữ lại", "Keep it"),
    "cal_moved": ("Đã lưu; đã tính lại hạn của {n} ý kiến đang mở.", "Saved; {n} open deadlines recomputed."),
    "admin_day_off": ("Nghỉ", "Day off"),
    "admin_working_day": ("Làm việc", "Working day"),
    "admin_add": ("Thêm", "Add"),
    "admin_remove": ("Xóa", "Remove"),
    "admin_saved": ("Đã lưu.", "Saved."),
    "valid": ("Hiệu lực", "In force"),
    "level": ("Cấp", "Level"),
    "name": ("Tên", "Name"),
    "roles": ("Vai trò", "Roles"),
    "active": ("Đang hoạt động", "Active"),
    "error_title": ("Có lỗi", "Something is wrong"),
    "not_found_title": ("Không tìm thấy", "Not found"),
    "not_found": ("Không tìm thấy trang hoặc ý kiến này, hoặc nó không thuộc đơn vị của bạn.",
                  "This page or case does not exist, or is not in your units."),
    "forbidden_title": ("Không được phép", "Not allowed"),
    "forbidden": ("Bạn không có quyền xem trang này.", "You may not see this page."),
    "csrf_title": ("Biểu mẫu hết hạn", "Form expired"),
    "csrf": ("Biểu mẫu đã hết hạn hoặc không hợp lệ, nên không có gì được lưu. Hãy quay lại, tải lại trang và thử lại.",
             "The form expired or is invalid, so nothing was saved. Go back, reload the page and try again."),
    "too_large": ("Dữ liệu gửi lên quá lớn.", "The submitted data is too large."),
    "back_home": ("Về trang chính", "Back to the start page"),
    "fix_below": ("Hãy sửa các ô được đánh dấu.", "Please correct the marked fields."),
    "today": ("hôm nay", "today"),
    # -- access changes (web.pages.access) --
    "access_actions": ("Thao tác", "Actions"),
    "access_deactivate": ("Khóa tài khoản", "Deactivate"),
    "access_reactivate": ("Mở khóa tài khoản", "Reactivate"),
    "access_revoke_grant": ("Gỡ quyền", "Remove grant"),
    "access_reset_password": ("Đặt lại mật khẩu", "Reset password"),
    "access_change_password": ("Tự đổi mật khẩu", "Changed own password"),
    "access_add_user": ("Thêm người dùng", "User added"),
    "access_grant": ("Cấp quyền", "Grant added"),
    "access_confirm_title": ("Xác nhận thay đổi quyền truy cập", "Confirm the change of access"),
    "access_explain_deactivate": (
        "{user} sẽ bị đăng xuất ở mọi nơi ngay lập tức, mọi mã API của họ bị thu hồi và họ không đăng nhập được nữa.",
        "{user} will be signed out everywhere at once, every API token of theirs revoked, and they can no longer "
        "sign in."),
    "access_explain_reactivate": ("{user} sẽ đăng nhập lại được. Các mã API đã thu hồi vẫn bị thu hồi.",
                                  "{user} will be able to sign in again. Revoked API tokens stay revoked."),
    "access_explain_revoke_grant": (
        "{user} mất quyền {grant} từ yêu cầu tiếp theo và bị đăng xuất ở mọi nơi; mã API giữ các quyền còn lại.",
        "{user} loses {grant} from their next request and is signed out everywhere; API tokens keep the other "
        "grants."),
    "access_explain_reset_password": (
        "{user} sẽ bị đăng xuất ở mọi nơi và mọi mã API bị thu hồi. Bạn nhận một mật khẩu tạm "
        "(dùng được {days} ngày) để trao tận tay; họ phải đổi mật khẩu khi đăng nhập.",
        "{user} will be signed out everywhere and every API token revoked. You get a temporary password (valid "
        "for {days} days) to hand over in person; they must change it when they sign in."),
    "access_confirm": ("Xác nhận", "Confirm"),
    "access_cancel": ("Hủy, quay lại trang quản trị", "Cancel, back to administration"),
    "access_done": ("Đã thực hiện “{action}” cho {user}: {sessions} phiên đăng nhập đã kết thúc, "
                    "{tokens} mã API đã thu hồi.",
                    "Done “{action}” for {user}: {sessions} session(s) ended, {tokens} API token(s) revoked."),
    "access_done_plain": ("Đã thực hiện “{action}” cho {user}.", "Done “{action}” for {user}."),
    "access_done_grant": ("Đã thực hiện “{action}” cho {user}: {sessions} phiên đăng nhập đã kết thúc; "
                          "mã API giữ các quyền còn lại.",
                          "Done “{action}” for {user}: {sessions} session(s) ended; API tokens keep the other "
                          "grants."),
    "access_replayed": ("Biểu mẫu này đã được gửi lúc {at}; không có gì thay đổi thêm.",
                        "This form was already submitted at {at}; nothing changed again."),
    "access_temporary": ("Mật khẩu tạm (chỉ hiện một lần, không được lưu lại):",
                         "Temporary password (shown once, never stored):"),
    "access_no_user": ("Không có người dùng “{user}”.", "No user “{user}”."),
    "access_log": ("Nhật ký thay đổi quyền truy cập", "Changes of access"),
    "access_when": ("Thời điểm", "When"),
    "access_by": ("Người thực hiện", "By"),
    "access_what": ("Thay đổi", "Change"),
    "access_on": ("Người dùng", "User"),
    "access_detail": ("Chi tiết", "Detail"),
    "access_must_change": ("Mật khẩu của bạn vừa được đặt lại. Hãy chọn mật khẩu mới trước khi tiếp tục.",
                           "Your password was reset. Choose a new one before you go on."),
    # hygiene: storage failures, input hygiene
    "unavailable_title": ("Tạm thời không lưu được", "Temporarily unavailable"),
    # files: evidence attached to a case's steps
    "files_title": ("Tệp đính kèm", "Attached files"),
    "files_none": ("Chưa có tệp nào.", "No files yet."),
    "files_add": ("Đính kèm ảnh, tài liệu", "Attach photos, documents"),
    "files_hint": ("Ảnh JPEG, PNG, WebP hoặc tệp PDF; tối đa {n} tệp, mỗi tệp {mb} MB. Thông tin vị trí (GPS) trong ảnh được xóa.",
                   "JPEG, PNG or WebP photos or PDF files; at most {n} files, {mb} MB each. Location (GPS) data in photos is removed."),
    "files_step": ("Bước #{seq}", "Step #{seq}"),
    "file_removed_by": ("Đã xóa theo quyết định: {reason}", "Removed by decision: {reason}"),
    "file_remove": ("Xóa tệp theo quyết định", "Remove by decision"),
    "file_remove_reason": ("Căn cứ xóa (quyết định, yêu cầu của người dân…)", "Grounds (a decision, the citizen's request…)"),
    "file_remove_button": ("Xóa tệp, giữ mã băm", "Remove the file, keep its hash"),
    "file_removed_done": ("Đã xóa tệp; mã băm và lý do được ghi vào lịch sử.", "File removed; its hash and the reason are in the history."),
    # support: "Làm dân tin", the fund, home visits
    "nav_support": ("Làm dân tin", "Support"),
    "support_title": ("Hoạt động hỗ trợ (Làm dân tin)", "Support activities"),
    "support_month": ("Tháng", "Month"),
    "support_show": ("Xem", "Show"),
    "support_report": ("Báo cáo hỗ trợ", "Support report"),
    "support_afternoon": ("Ghi hoạt động buổi chiều", "Record the afternoon's activities"),
    "support_afternoon_intro": ("Các hoạt động sau buổi tiếp xúc buổi sáng, lưu cùng lúc: tất cả hoặc không.",
                                "The activities after the morning's meeting, saved together: all or none."),
    "support_activities": ("Các hoạt động trong tháng", "Activities this month"),
    "support_none": ("Chưa có hoạt động nào.", "No activities yet."),
    "support_row": ("Hoạt động {n}", "Activity {n}"),
    "support_date": ("Ngày", "Date"),
    "support_kind": ("Loại hoạt động", "Kind"),
    "support_category": ("Đối tượng", "Household category"),
    "support_households": ("Số hộ", "Households"),
    "support_value": ("Trị giá (đồng)", "Value (đồng)"),
    "support_value_hint": ("Ví dụ 26.500.000 hoặc 26,5 triệu", "e.g. 26.500.000 or 26,5 triệu"),
    "support_source": ("Nguồn kinh phí", "Source of money"),
    "support_participations": ("Lượt người tham gia", "Volunteer participations"),
    "support_length": ("Chiều dài (km)", "Length (km)"),
    "support_houses": ("Số căn nhà", "Houses"),
    "support_description": ("Ghi chú", "Note"),
    "support_beneficiaries": ("Người được hỗ trợ", "Beneficiaries"),
    "support_private": ("Không công khai; chỉ cán bộ phụ trách xem được.", "Never public; only the officials in charge see it."),
    "support_more": ("Thêm dòng", "More rows"),
    "support_save": ("Lưu", "Save"),
    "visit_new": ("Ghi thăm hộ gia đình", "Record a home visit"),
    "visit_title": ("Thăm hộ gia đình", "Home visit"),
    "visit_village": ("Thôn, ấp, khóm", "Village"),
    "visit_households": ("Số hộ được thăm theo đối tượng", "Households visited by category"),
    "visit_officials": ("Cán bộ tham gia", "Officials who took part"),
    "visit_officials_hint": ("Mỗi dòng một người: tên đăng nhập hoặc họ tên.", "One per line: a username or a name."),
    "visit_opinion": ("Ý kiến {n}", "Opinion {n}"),
    "visit_cases": ("Ý kiến đã ghi nhận", "Opinions recorded"),
    "fund_title": ("Sổ quỹ", "Fund"),
    "fund_balance": ("Số dư", "Balance"),
    "fund_entries": ("{n} bút toán", "{n} entries"),
    "fund_public": ("Công khai thu chi", "Public income and spending"),
    "fund_income": ("Thu", "Income"),
    "fund_spending": ("Tổng chi", "Spending"),
    "fund_spent_on": ("Chi: {what}", "Spent on: {what}"),
    "fund_opening": ("Tồn đầu tháng", "Opening balance"),
    "fund_closing": ("Tồn cuối tháng", "Closing balance"),
    "fund_amount": ("Số tiền (đồng)", "Amount (đồng)"),
    "fund_donor": ("Người đóng góp", "From whom"),
    "fund_kind": ("Loại", "Kind"),
    "fund_purpose": ("Mục đích", "Purpose"),
    "fund_reason": ("Lý do đảo", "Reason"),
    "fund_reverse": ("Đảo bút toán", "Reverse"),
    "fund_reversed": ("Đã đảo", "Reversed"),
    "fund_public_note": ("Số liệu tổng hợp, không có thông tin cá nhân.", "Totals only, without personal data."),
    "board_support": ("Làm dân tin và thăm hộ", "Support and home visits"),
    "board_gifts": ("Phần quà tháng này: {n}/{target}", "Gifts this month: {n} of {target}"),
    "board_coverage_short": ("Thôn chưa thăm đủ {m} hộ tuần này", "Villages with fewer than {m} households visited this week"),
    "board_coverage_ok": ("Tuần này mọi thôn đã được thăm đủ.", "Every village has been visited enough this week."),
    # -- dead letters (deliveries given up), shown to admins --------------------------
    "dead_banner": ("{n} thông báo (email/webhook) không gửi được. Xem và gửi lại",
                    "{n} notifications (email/webhook) could not be delivered. See them and retry"),
    "dead_title": ("Thông báo không gửi được", "Undelivered notifications"),
    "dead_none": ("Không có thông báo nào gửi thất bại.", "No undelivered notifications."),
    "dead_retry_hint": ("Sau khi khắc phục nguyên nhân, gửi lại bằng lệnh: nghedan notify retry MÃ… (hoặc --all).",
                        "Once the cause is fixed, retry with: nghedan notify retry ID… (or --all)."),
    "dead_channel": ("Kênh", "Channel"),
    "dead_to": ("Gửi đến", "To"),
    "dead_attempts": ("Số lần thử", "Attempts"),
    "dead_last": ("Lần thử cuối", "Last attempt"),
    "dead_error": ("Lỗi cuối", "Last error"),
    # figures: officials who took part in a meeting
    "participants_label": ("Cán bộ, công chức tham gia", "Officials who took part"),
    "participants_hint": ("Mỗi dòng một người: @tên-đăng-nhập cho người có tài khoản, hoặc họ tên.",
                          "One person per line: @username for someone with an account, or their full name."),
    # -- programmes: reception register, dialogue conclusions (web/pages/programmes.py)
    "register_title": ("Sổ tiếp công dân", "Citizen reception register"),
    "register_from": ("Từ ngày", "From"),
    "register_to": ("Đến ngày", "To"),
    "register_show": ("Xem", "Show"),
    "register_empty": ("Không có lượt tiếp công dân nào trong kỳ.", "No petitions received in this period."),
    "conclusion_of": ("Hội nghị đối thoại tại {unit} ngày {day}", "Dialogue held at {unit} on {day}"),
    "conclusion_commitments": ("Nội dung tiếp thu, cam kết", "Commitments"),
    "conclusion_item": ("Nội dung", "Commitment"),
    "conclusion_due": ("Thời hạn", "Deadline"),
    "conclusion_state": ("Tình trạng", "Status"),
    "conclusion_announced": ("Thông báo công khai ngày {day}", "Announced on {day}"),
    "programmes_title": ("Tiếp công dân, đối thoại, Tổ dân vận", "Reception, dialogues, village teams"),
    "programmes_receptions": ("Tiếp công dân: {days} ngày tiếp, {petitions} đơn",
                              "Citizen reception: {days} days, {petitions} petitions"),
    "programmes_dialogues": ("Đối thoại: {held}/{total} đơn vị đã tổ chức", "Dialogues: held in {held} of {total} units"),
    "programmes_teams": ("Tổ dân vận: {with_team}/{villages} thôn, ấp có tổ; {members} tổ viên",
                         "Village teams: {with_team} of {villages} villages; {members} members"),
    "programmes_disputes": ("{disputes} vụ việc; hòa giải thành {settled}, không thành {failed}, chuyển lên xã {sent_up}",
                            "{disputes} disputes; {settled} settled, {failed} not settled, {sent_up} sent up"),
    "programmes_success": ("tỷ lệ thành {rate}%", "success rate {rate}%"),
    # channels: the citizen's consent to messages, and withdrawing it
    "consent_channel": ("Người dân đồng ý nhận tin qua", "Citizen agrees to messages by"),
    "consent_none": ("Không đồng ý nhận tin", "No messages"),
    "consent_hint": ("Chỉ chọn khi người dân đồng ý nhận thông báo về ý kiến này (Nghị định 13/2023).",
                     "Only when the citizen agrees to be told about this opinion (Decree 13/2023)."),
    "consent_address": ("Số di động hoặc email nhận tin", "Mobile number or email for messages"),
    "consent_author": ("Người tố cáo tự yêu cầu nhận tin", "The denunciation's author asked for messages"),
    "withdraw_title": ("Không nhận tin nhắn về ý kiến này nữa", "Stop messages about this opinion"),
    "withdraw_intro": ("Nhập mã ý kiến và 4 số cuối của số điện thoại (hoặc email) đã đăng ký nhận tin.",
                       "Type the tracking code and the last 4 digits of the phone (or the email) messages go to."),
    "withdraw_proof": ("4 số cuối điện thoại hoặc email", "Last 4 digits of the phone, or the email"),
    "withdraw_button": ("Rút lại sự đồng ý", "Withdraw consent"),
    "withdraw_done": ("Đã ghi nhận. Nếu thông tin khớp, Ông/Bà sẽ không nhận thêm tin nhắn nào về ý kiến này.",
                      "Recorded. If the details match, no further message about this opinion will be sent."),
    "consent_title": ("Nhận tin nhắn về ý kiến", "Messages to the citizen"),
    "consent_active": ("Người dân đồng ý nhận tin qua {channel}, ghi nhận ngày", "The citizen agreed to messages by {channel}, recorded on"),
    "consent_inactive": ("Người dân không nhận tin nhắn về ý kiến này.", "No messages go to the citizen about this opinion."),
    "consent_withdraw_button": ("Ghi nhận người dân rút lại sự đồng ý", "Record that the citizen withdrew consent"),
    "consent_withdrawn_done": ("Đã ghi nhận: không gửi thêm tin nhắn nào cho người dân.", "Recorded: no further message goes to the citizen."),
}


def local_dt(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def local_date(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return local_dt(value, "%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


class Translator:
    """Everything a template needs to speak one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG

    def __call__(self, key: str, **params: Any) -> str:
        vi, en = MESSAGES[key]
        text = en if self.lang == "en" else vi
        return text.format(**params) if params else text

    def pick(self, pair: tuple[str, str] | None, fallback: str = "") -> str:
        if pair is None:
            return fallback
        return pair[1] if self.lang == "en" else pair[0]

    def field(self, name: str) -> str:
        return self.pick(FIELD_LABELS.get(name), name)

    def trigger(self, name: str, workflow: Any = None) -> str:
        if name in TRIGGER_LABELS:
            return self.pick(TRIGGER_LABELS[name])
        if workflow is not None:
            for t in workflow.spec.transitions:
                if t.trigger == name:
                    return t.label.get(self.lang)
        return name

    def due(self, value: datetime | None) -> str:
        """A deadline's exact instant: "17:00 ngày 25/02/2027", "24:00 ngày 24/02/2027"."""
        if value is None:
            return "—"
        clock, day = deadline_parts(value)
        return self("due_instant", time=clock, date=day.strftime("%d/%m/%Y"))

    def error(self, err: DomainError) -> str:
        """The engine's message, with field and trigger codes replaced by their labels."""
        params = dict(err.params)
        if isinstance(params.get("field"), str):
            params["field"] = self.field(params["field"])
        if isinstance(params.get("trigger"), str) and params["trigger"] in TRIGGER_LABELS:
            params["trigger"] = self.trigger(params["trigger"])
        template = err.template_en if self.lang == "en" else err.template_vi
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return err.message(self.lang)


# -- Vietnamese text -------------------------------------------------------------

# The Vietnamese alphabet (with f, j, w, z where Latin puts them): ă, â after a; đ after d …
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
                 ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# Dictionary order of tones: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vi_sort_key(text: str) -> tuple[Any, ...]:
    """Order as a Vietnamese dictionary does: letters first (a < ă < â < b … d < đ),
    tones only to break ties, case last. Not built on ``fold``, which makes a, ă, â
    (and d, đ) one letter: right for search, wrong for alphabetical order."""
    letters: list[tuple[int, int]] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.combining(ch):
            if ch in _TONES and tones:
                tones[-1] = _TONES[ch]
            elif letters and letters[-1][0] == 2:
                base = _ALPHABET[letters[-1][1]]
                changed = _LETTER_MARKS.get((base, ch))
                if changed:
                    letters[-1] = (2, _RANK[changed])
            continue
        if ch in _RANK:
            letters.append((2, _RANK[ch]))
        elif ch.isdigit():
            letters.append((1, ord(ch)))
        elif ch.isspace():
            letters.append((0, 0))
        else:
            letters.append((3, ord(ch)))
        tones.append(0)
    return (tuple(letters), tuple(tones), text)
