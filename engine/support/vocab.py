"""The closed vocabularies of support activities and home visits, with their labels."""

from __future__ import annotations

from ..catalogue import pick

__all__ = ["ACTIVITY_KINDS", "GIFT", "NEW_HOUSE", "HOUSE_REPAIR", "SANITATION", "LABOUR_KINDS", "CATEGORIES",
           "SOURCES", "FUND", "ENTRY_KINDS", "label"]

GIFT, NEW_HOUSE, HOUSE_REPAIR, SANITATION = "gift", "new_house", "house_repair", "sanitation"

ACTIVITY_KINDS: dict[str, tuple[str, str]] = {
    GIFT: ("Thăm, tặng quà", "Visit with a gift"),
    NEW_HOUSE: ("Xây nhà tình thương", "New house"),
    HOUSE_REPAIR: ("Sửa chữa nhà", "House repair"),
    SANITATION: ("Nhà vệ sinh, công trình vệ sinh", "Sanitation"),
    "cleaning": ("Lao động tình nguyện: dọn vệ sinh đường, kênh", "Volunteer labour: cleaning roads and canals"),
    "tree_trimming": ("Lao động tình nguyện: phát quang, tỉa cây", "Volunteer labour: tree trimming"),
    "road_canal": ("Lao động tình nguyện: làm đường, nạo vét kênh", "Volunteer labour: road or canal work"),
    "other": ("Khác", "Other"),
}
# Volunteer labour: its figures are participations and kilometres.
LABOUR_KINDS = frozenset({"cleaning", "tree_trimming", "road_canal"})

CATEGORIES: dict[str, tuple[str, str]] = {
    "policy": ("Gia đình chính sách, có công", "Policy or meritorious family"),
    "poor": ("Hộ nghèo, cận nghèo", "Poor or near-poor household"),
    "elderly_alone": ("Người cao tuổi neo đơn", "Elderly person living alone"),
    "student": ("Học sinh có hoàn cảnh khó khăn", "Student in hardship"),
    "patient": ("Bệnh nhân nghèo", "Poor patient"),
    "other": ("Khác", "Other"),
}

FUND = "fund"
SOURCES: dict[str, tuple[str, str]] = {
    FUND: ("Quỹ (thu tại lễ chào cờ)", "The fund (Monday collection)"),
    "socialised": ("Xã hội hóa", "Socialised contributions"),
    "budget": ("Ngân sách", "Budget"),
}

ENTRY_KINDS: dict[str, tuple[str, str]] = {
    "income": ("Thu", "Income"),
    "spending": ("Chi", "Spending"),
    "reversal": ("Bút toán đảo", "Reversal"),
}


def label(vocabulary: dict[str, tuple[str, str]], code: str, lang: str = "vi") -> str:
    """The code's label, with the catalogue's fallback (``engine.catalogue.pick``)."""
    return pick(vocabulary.get(code), lang, code)
