"""Closed vocabularies of the domain, with their Vietnamese and English labels.

Codes are ASCII slugs stored in the database; labels are for people.
"""

from __future__ import annotations

from .catalogue import pick

__all__ = ["KINDS", "TOPICS", "CHANNELS", "UNIT_LEVELS", "ROLES", "SATISFACTION", "label"]

# Loại đơn: the kind decides legal limits and confidentiality (tố cáo hides the denouncer).
KINDS: dict[str, tuple[str, str]] = {
    "kien_nghi": ("Kiến nghị", "Petition"),
    "phan_anh": ("Phản ánh", "Report"),
    "khieu_nai": ("Khiếu nại", "Complaint"),
    "to_cao": ("Tố cáo", "Denunciation"),
}

TOPICS: dict[str, tuple[str, str]] = {
    "giao_thong": ("Giao thông", "Traffic and roads"),
    "dat_dai": ("Đất đai", "Land"),
    "moi_truong": ("Môi trường", "Environment"),
    "an_sinh_xa_hoi": ("An sinh xã hội", "Social welfare"),
    "an_ninh_trat_tu": ("An ninh trật tự", "Security and order"),
    "xay_dung": ("Xây dựng – trật tự đô thị", "Construction and urban order"),
    "y_te": ("Y tế", "Health"),
    "giao_duc": ("Giáo dục", "Education"),
    "nong_nghiep": ("Nông nghiệp", "Agriculture"),
    "dien_nuoc": ("Điện nước hạ tầng", "Power, water and infrastructure"),
    "nguoi_co_cong": ("Chính sách người có công", "Policies for people with merit"),
    "thu_tuc_hanh_chinh": ("Thủ tục hành chính", "Administrative procedures"),
    "khac": ("Khác", "Other"),
}

CHANNELS: dict[str, tuple[str, str]] = {
    "meeting": ("Buổi tiếp xúc, đối thoại", "Meeting or dialogue"),
    "home_visit": ("Thăm hộ gia đình", "Home visit"),
    "to_dan_van": ("Tổ dân vận", "Mass mobilisation team"),
    "hotline": ("Đường dây nóng", "Hotline"),
    "letter": ("Thư, đơn", "Letter"),
    "fanpage": ("Fanpage", "Fanpage"),
    "online": ("Biểu mẫu trực tuyến", "Online form"),
    "open311": ("Open311 (ứng dụng, cổng thông tin)", "Open311 (apps and portals)"),
}

UNIT_LEVELS: dict[str, tuple[str, str]] = {
    "province": ("Tỉnh, thành phố", "Province"),
    "district": ("Huyện (trước 2025)", "District (before 2025)"),
    "commune": ("Xã, phường, đặc khu", "Commune or ward"),
    "village": ("Thôn, ấp, khóm, tổ dân phố", "Village or neighbourhood"),
    "department": ("Phòng, ban, ngành", "Department"),
    "police": ("Công an", "Police"),
    "front": ("Ủy ban MTTQ", "Fatherland Front committee"),
}

ROLES: dict[str, tuple[str, str]] = {
    "official": ("Cán bộ", "Official"),
    "leader": ("Lãnh đạo", "Leader"),
    "auditor": ("Giám sát (MTTQ)", "Auditor (Fatherland Front)"),
    "admin": ("Quản trị", "Administrator"),
    "member": ("Tổ viên Tổ dân vận", "Mass mobilisation team member"),
}

SATISFACTION: dict[str, tuple[str, str]] = {
    "satisfied": ("Hài lòng", "Satisfied"),
    "not_satisfied": ("Không hài lòng", "Not satisfied"),
}


def label(vocabulary: dict[str, tuple[str, str]], code: str, lang: str = "vi") -> str:
    """The code's label, with the catalogue's fallback (``engine.catalogue.pick``)."""
    return pick(vocabulary.get(code), lang, code)
