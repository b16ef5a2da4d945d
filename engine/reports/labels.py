"""Names of the report's figures and breakdowns, in Vietnamese (as the field's reports
write them) and English, saying the same thing in both. One place, used by the
exports, the page and the API; docs/reports.md defines each of them."""

from __future__ import annotations

__all__ = ["TITLE", "CASE_COLUMNS", "STATUS_COLUMNS", "MEETING_COLUMNS", "CARRIED_COLUMNS", "SECTIONS",
           "DIMENSIONS", "AS_OF", "AT_END", "AT_LEVEL", "LEVEL_COLUMNS", "label"]

TITLE = ("BÁO CÁO KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT Ý KIẾN, KIẾN NGHỊ CỦA NHÂN DÂN",
         "REPORT ON CITIZENS' OPINIONS RECEIVED AND RESOLVED")

# (key, Vietnamese, English), in the order tables show them.
CASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("received", "Số ý kiến tiếp nhận", "Received"),
    ("answered_on_site", "Trả lời tại chỗ", "Answered on the spot"),
    ("escalated", "Chuyển xử lý", "Escalated"),
    ("transferred_within", "Chuyển trong cấp xã (cùng cấp)", "Transferred within the commune (same level)"),
    ("proposed_higher", "Đề xuất cấp trên", "Proposed to a higher level"),
    ("resolved", "Đã giải quyết xong", "Resolved"),
    ("share_resolved", "Tỷ lệ giải quyết (%)", "Share resolved (%)"),
    ("on_time", "Giải quyết đúng hạn", "Resolved on time"),
    ("extended", "Đúng hạn sau gia hạn", "On time after an extension"),
    ("late", "Trễ hạn", "Late"),
    ("in_progress", "Đang giải quyết", "In progress"),
    ("still_overdue", "Còn quá hạn", "Still overdue"),
    ("closed_other", "Gộp, rút", "Merged or withdrawn"),
    ("satisfied", "Hài lòng", "Satisfied"),
    ("not_satisfied", "Không hài lòng", "Not satisfied"),
    ("share_satisfied", "Tỷ lệ hài lòng (%)", "Share satisfied (%)"),
)
# The columns that depend on when the status is taken (all but the count received).
STATUS_COLUMNS = tuple(c for c in CASE_COLUMNS if c[0] != "received")

# Suffixes naming the status instant of a column.
AT_END = ("cuối kỳ", "at the period end")
AS_OF = ("đến ngày {day}", "as of {day}")

CARRIED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("open_at_start", "Kỳ trước chuyển sang", "Carried over from earlier periods"),
    ("resolved", "Kỳ trước chuyển sang, giải quyết xong trong kỳ", "Carried over, resolved in the period"),
    ("resolved_as_of", "Kỳ trước chuyển sang, giải quyết xong đến ngày báo cáo",
     "Carried over, resolved by the report's day"),
)

MEETING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("meetings", "Số buổi tiếp xúc, đối thoại", "Meetings held"),
    ("attendees", "Số lượt người dân dự", "Citizens attending"),
    ("participations", "Số lượt cán bộ, công chức tham gia", "Official participations"),
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

# The section of engine.reports.levels: the stages the report's own level held.
AT_LEVEL = ("Đúng hạn theo cấp xử lý", "Timeliness at the handling level")
# Its figures, keyed as the CASE_COLUMNS they sit under in the CSV (at the period end).
LEVEL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("on_time", "Đúng hạn", "On time"),
    ("extended", "Đúng hạn sau gia hạn", "On time after an extension"),
    ("late", "Trễ hạn tại cấp này", "Late at this level"),
)


def label(pair: tuple[str, str], lang: str = "vi") -> str:
    return pair[1] if lang == "en" else pair[0]
