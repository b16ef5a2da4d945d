"""The case lists' own messages (filters, counts, export, bulk work, likely
duplicates), in Vietnamese and English; merged into ``web.pages.messages.MESSAGES``."""

from __future__ import annotations

__all__ = ["lists_MESSAGES"]

lists_MESSAGES: dict[str, tuple[str, str]] = {
    "lists_kind": ("Loại ý kiến", "Kind"),
    "lists_channel": ("Hình thức tiếp nhận", "Channel"),
    "lists_meeting": ("Buổi tiếp xúc", "Meeting"),
    "lists_meeting_item": ("Ngày {day} – {place}", "{day} – {place}"),
    "lists_from": ("Tiếp nhận từ ngày", "Received from"),
    "lists_until": ("Đến hết ngày", "Received until"),
    "lists_citizen": ("Tìm theo người dân (họ tên hoặc số điện thoại)", "Search by citizen (name or phone)"),
    "lists_citizen_hint": ("Chỉ tìm thấy ý kiến mà bạn được xem thông tin người gửi; không bao giờ tìm thấy "
                           "đơn tố cáo theo người tố cáo, trừ lãnh đạo đơn vị đang giải quyết.",
                           "Finds only cases whose citizen you may see; a denunciation is never found by its "
                           "author except by the leaders of the unit resolving it."),
    "lists_count": ("Tìm thấy {n} ý kiến", "{n} cases found"),
    "lists_count_many": ("Tìm thấy hơn {n} ý kiến", "More than {n} cases found"),
    "lists_page_n": ("Trang {n}", "Page {n}"),
    "lists_export": ("Tải danh sách này", "Download this list"),
    "lists_export_note": ("Tệp tải về chỉ có thông tin người dân đã che (chữ cái đầu, 3 số cuối); không có "
                          "người tố cáo.", "Downloads carry citizens masked (initials, last 3 digits), never "
                          "a denouncer."),
    "lists_select": ("Chọn", "Select"),
    "lists_select_case": ("Chọn ý kiến {code}", "Select case {code}"),
    "lists_bulk_title": ("Xử lý nhiều ý kiến đã chọn", "Act on the selected cases"),
    "lists_bulk_hint": ("Mỗi ý kiến được xử lý riêng: ý kiến nào không được phép thì giữ nguyên, các ý kiến "
                        "khác vẫn được xử lý.", "Each case is handled on its own: a case that is refused stays "
                        "as it was, the others are still done."),
    "lists_bulk_action": ("Thao tác", "Action"),
    "lists_bulk_escalate": ("Chuyển xử lý", "Escalate"),
    "lists_bulk_merge": ("Đóng vì trùng (gộp vào một ý kiến gốc)", "Close as duplicate (merge into an original)"),
    "lists_bulk_submit": ("Thực hiện với các ý kiến đã chọn", "Apply to the selected cases"),
    "lists_bulk_none": ("Chưa chọn ý kiến nào.", "No case selected."),
    "lists_bulk_summary": ("Đã thực hiện “{action}” cho {done} ý kiến; {refused} ý kiến không thực hiện được.",
                           "“{action}” done for {done} cases; {refused} refused."),
    "lists_bulk_done": ("Đã thực hiện", "Done"),
    "lists_bulk_already": ("Đã thực hiện ở lần gửi trước (không làm lại)",
                           "Done by the earlier submission (not repeated)"),
    "lists_bulk_refused": ("Không thực hiện được", "Refused"),
    "lists_why_state": ("ý kiến đang ở trạng thái “{state}”, không thể “{action}”",
                        "the case is “{state}”; “{action}” is not possible"),
    "lists_why_role": ("vai trò của bạn không được phép “{action}” ý kiến này",
                       "your role may not “{action}” this case"),
    "lists_why_stale": ("ý kiến vừa được người khác cập nhật; hãy tải lại danh sách",
                        "someone changed the case meanwhile; reload the list"),
    "lists_why_missing": ("không tìm thấy trong các đơn vị của bạn", "not found in your units"),
    "lists_back_to_list": ("← Quay lại danh sách", "← Back to the list"),
    "lists_dup_title": ("Có thể trùng với", "Possibly the same as"),
    "lists_dup_hint": ("Cùng thôn, ấp, nội dung gần giống, trong vòng 90 ngày. Nếu đúng là trùng, lãnh đạo có "
                       "thể gộp ý kiến.", "Same village, similar words, within 90 days. If it is the same, a "
                       "leader can merge the case."),
    "lists_dup_received": ("tiếp nhận {day}", "received {day}"),
    "lists_dup_intake": ("Ý kiến {code} có thể trùng với {others}.", "Case {code} may be the same as {others}."),
    "lists_merged_title": ("Các ý kiến trùng được gộp vào đây", "Duplicates merged into this case"),
    # The export's column headers, read as "lists_h_" + engine.list_export.COLUMNS.
    "lists_h_code": ("Mã ý kiến", "Case code"),
    "lists_h_received": ("Ngày tiếp nhận", "Received"),
    "lists_h_programme": ("Chương trình", "Programme"),
    "lists_h_kind": ("Loại ý kiến", "Kind"),
    "lists_h_topic": ("Lĩnh vực", "Topic"),
    "lists_h_channel": ("Hình thức tiếp nhận", "Channel"),
    "lists_h_meeting": ("Ngày buổi tiếp xúc", "Meeting day"),
    "lists_h_village": ("Thôn, ấp (nơi phát sinh)", "Village (origin)"),
    "lists_h_handling_unit": ("Đơn vị xử lý", "Handling unit"),
    "lists_h_state": ("Trạng thái", "State"),
    "lists_h_deadline": ("Hạn xử lý", "Deadline"),
    "lists_h_late": ("Số ngày làm việc quá hạn", "Working days late"),
    "lists_h_content": ("Nội dung ý kiến", "Opinion"),
    "lists_h_citizen": ("Người dân (đã che)", "Citizen (masked)"),
    "lists_withheld": ("(được bảo vệ)", "(protected)"),
    "lists_anonymous": ("(không để lại thông tin)", "(anonymous)"),
}
