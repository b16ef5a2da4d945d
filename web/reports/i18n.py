"""What the report and audit pages write themselves, in Vietnamese and English
(figure names come from ``engine.reports.labels``)."""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "Words"]

MESSAGES: dict[str, tuple[str, str]] = {
    "reports_title": ("Báo cáo định kỳ", "Periodic report"),
    "period": ("Kỳ báo cáo", "Period"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "unit": ("Đơn vị", "Unit"),
    "all_my_units": ("Tất cả đơn vị của tôi", "All my units"),
    "programme": ("Chương trình", "Programme"),
    "all_programmes": ("Tất cả các chương trình", "All programmes"),
    "show": ("Xem báo cáo", "Show the report"),
    "presets": ("Chọn nhanh", "Quick choice"),
    "this_month": ("Tháng này", "This month"),
    "last_month": ("Tháng trước", "Last month"),
    "this_quarter": ("Quý này", "This quarter"),
    "half_year": ("6 tháng đầu năm", "First half of the year"),
    "this_year": ("Năm nay", "This year"),
    "download": ("Tải về", "Download"),
    "excel": ("Excel (.xlsx)", "Excel (.xlsx)"),
    "csv": ("CSV", "CSV"),
    "json": ("JSON", "JSON"),
    "print": ("In báo cáo (A4)", "Print (A4)"),
    "meetings_part": ("Tiếp xúc, đối thoại với nhân dân", "Meetings with citizens"),
    "opinions_part": ("Ý kiến, kiến nghị", "Opinions"),
    "satisfaction_part": ("Mức độ hài lòng", "Satisfaction"),
    "figure": ("Chỉ tiêu", "Figure"),
    "count": ("Số lượng", "Count"),
    "share": ("Tỷ lệ (%)", "Share (%)"),
    "chart_topics": ("Ý kiến theo lĩnh vực", "Opinions by topic"),
    "chart_topics_desc": ("Số ý kiến tiếp nhận trong kỳ, theo lĩnh vực.", "Opinions received in the period, by topic."),
    "chart_timeliness": ("Thời hạn giải quyết theo đơn vị", "Timeliness by unit"),
    "chart_timeliness_desc": ("Ý kiến đã giải quyết xong: đúng hạn, đúng hạn sau gia hạn, trễ hạn.",
                              "Resolved opinions: on time, on time after an extension, late."),
    "chart_months": ("Tiếp nhận và giải quyết theo tháng", "Received and resolved by month"),
    "chart_months_desc": ("Số ý kiến tiếp nhận theo tháng tiếp nhận, và số đã giải quyết theo tháng giải quyết.",
                          "Opinions received, by month received, and resolved, by month resolved."),
    "resolved_in_month": ("Giải quyết xong trong tháng", "Resolved in the month"),
    "as_of": ("Số liệu tính đến hết ngày {day} (cuối kỳ) và đến hết ngày {later}; lập lúc {at}.",
              "Figures as at the end of {day} (the period end) and of {later}; made at {at}."),
    "as_of_day": ("Tính đến ngày", "Status as of"),
    "count_at": ("Số lượng {when}", "Count {when}"),
    "rule_title": ("Cách tính đúng hạn", "How timeliness is counted"),
    "nothing": ("Không có ý kiến nào trong kỳ.", "No opinions in this period."),
    "total": ("Tổng cộng", "Total"),
    "audit_title": ("Giám sát: lịch sử hồ sơ và niêm phong", "Audit: case histories and seals"),
    "case_code": ("Mã ý kiến", "Case code"),
    "check_case": ("Kiểm tra hồ sơ", "Check the case"),
    "unit_histories": ("Lịch sử các hồ sơ của đơn vị", "Histories of a unit's cases"),
    "check_unit": ("Kiểm tra và xuất", "Check and export"),
    "seals": ("Niêm phong hằng ngày", "Daily seals"),
    "seal_day": ("Ngày", "Day"),
    "seal_code": ("Mã niêm phong", "Seal code"),
    "seal_cases": ("Số hồ sơ", "Cases"),
    "seal_events": ("Số sự kiện", "Events"),
    "no_seals": ("Chưa có niêm phong nào.", "No seal yet."),
    "verify_seal": ("Đối chiếu niêm phong đã giữ", "Check a seal you kept"),
    "verify": ("Đối chiếu", "Check"),
    "events": ("Sự kiện", "Events"),
    "state": ("Trạng thái", "State"),
    "history": ("Lịch sử", "History"),
    "at": ("Thời điểm", "At"),
    "actor": ("Người thực hiện", "By"),
    "action": ("Thao tác", "Action"),
    "citizen": ("Người dân", "Citizen"),
    "withheld": ("Được bảo mật (tố cáo)", "Confidential (denunciation)"),
    "cases_checked": ("{n} hồ sơ, {bad} bị sửa.", "{n} cases, {bad} altered."),
    "too_many": ("Chỉ hiển thị {n} hồ sơ đầu tiên; hãy tải tệp xuất để xem đủ.",
                 "Only the first {n} cases are shown; download the export for all of them."),
}


class Words:
    def __init__(self, lang: str) -> None:
        self.lang = "en" if lang == "en" else "vi"

    def __call__(self, key: str, **params: Any) -> str:
        vi, en = MESSAGES[key]
        text = en if self.lang == "en" else vi
        return text.format(**params) if params else text

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.lang == "en" else pair[0]
