"""Names of the report's figures and breakdowns, in Vietnamese (as the field's reports
write them) and English. One place, used by the exports, the page and the API."""

from __future__ import annotations

__all__ = ["TITLE", "CASE_COLUMNS", "MEETING_COLUMNS", "SECTIONS", "DIMENSIONS", "label"]

TITLE = ("BÁO CÁO KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT Ý KIẾN, KIẾN NGHỊ CỦA NHÂN DÂN",
         "REPORT ON CITIZENS' OPINIONS RECEIVED AND RESOLVED")

# (key, Vietnamese, English), in the order tables show them.
CASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("received", "Số ý kiến tiếp nhận", "Received"),
    ("answered_on_site", "Trả lời tại chỗ", "Answered on the spot"),
    ("escalated", "Chuyển xử lý", "Escalated"),
    ("resolved", "Đã giải quyết xong", "Resolved"),
    ("share_resolved", "Tỷ lệ giải quyết (%)", "Share resolved (%)"),
    ("on_time", "Giải quyết đúng hạn", "On time"),
    ("extended", "Đúng hạn sau gia hạn", "Late, with an accepted extension"),
    ("late", "Trễ hạn", "Late"),
    ("in_progress", "Đang giải quyết", "In progress"),
    ("still_overdue", "Còn quá hạn cuối kỳ", "Still overdue at the period end"),
    ("closed_other", "Gộp, rút", "Merged or withdrawn"),
    ("satisfied", "Hài lòng", "Satisfied"),
    ("not_satisfied", "Không hài lòng", "Not satisfied"),
    ("share_satisfied", "Tỷ lệ hài lòng (%)", "Share satisfied (%)"),
)

MEETING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("meetings", "Số buổi tiếp xúc, đối thoại", "Meetings held"),
    ("attendees", "Số lượt người dự", "Attendees"),
    ("units", "Số đơn vị tổ chức", "Units that held them"),
)

# (attribute of Report, sheet / section name vi, en, first column vi, en)
DIMENSIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("by_unit", "Theo đơn vị", "By unit", "Đơn vị", "Unit"),
    ("by_topic", "Theo lĩnh vực", "By topic", "Lĩnh vực", "Topic"),
    ("by_programme", "Theo chương trình", "By programme", "Chương trình", "Programme"),
    ("by_month", "Theo tháng", "By month", "Tháng", "Month"),
    # Only in a successor's report, when a merger falls in the period (engine.reports.split).
    ("split", "Trước và sau sắp xếp đơn vị", "Before and after the merger", "Thời gian tiếp nhận", "Received"),
)

SECTIONS = {"total": ("Tổng cộng", "Total")}


def label(pair: tuple[str, str], lang: str = "vi") -> str:
    return pair[1] if lang == "en" else pair[0]
