"""The administration pages', the menu's and the error pages' own words, in
Vietnamese and English (merged into ``web.pages.messages.MESSAGES``)."""

from __future__ import annotations

__all__ = ["admin_MESSAGES"]

admin_MESSAGES: dict[str, tuple[str, str]] = {
    # the menu
    "nav_label": ("Menu chính", "Main menu"),
    "nav_reports": ("Báo cáo", "Reports"),
    "nav_audit": ("Giám sát", "Audit"),
    # error pages
    "err_405_title": ("Không mở được theo cách này", "Not possible this way"),
    "err_405": ("Địa chỉ này không mở được theo cách bạn vừa gửi (ví dụ: một nút bấm được mở như một liên kết). "
                "Không có gì được lưu.",
                "This address cannot be opened the way it was sent (for example a button opened as a link). "
                "Nothing was saved."),
    "err_413_title": ("Nội dung gửi lên quá lớn", "Too much sent at once"),
    "err_413": ("Biểu mẫu hoặc tệp gửi lên vượt quá giới hạn cho phép, nên không có gì được lưu. "
                "Hãy gửi ít hơn hoặc chia thành nhiều lần.",
                "The form or file is over the allowed size, so nothing was saved. Send less, or in several parts."),
    "err_429_title": ("Quá nhiều yêu cầu", "Too many requests"),
    "err_429": ("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Hãy chờ một lát rồi thử lại.",
                "Too many requests in a short time. Wait a moment and try again."),
    "err_500_title": ("Có lỗi của hệ thống", "Something went wrong on our side"),
    "err_500": ("Hệ thống gặp lỗi khi xử lý yêu cầu này; sự cố đã được ghi lại. Thao tác chưa hoàn tất thì "
                "không được lưu; hãy thử lại sau.",
                "The system failed while handling this request; it has been logged. What did not finish was not "
                "saved; try again later."),
    "err_503": ("Hệ thống tạm thời không phục vụ được, nên không có gì được lưu. Hãy thử lại sau ít phút.",
                "The system is temporarily unavailable, so nothing was saved. Try again in a few minutes."),
    "err_back": ("Quay lại trang trước", "Back to the previous page"),
    "err_code": ("Mã lỗi {status}", "Error {status}"),
}
