"""The audit's side of the UI catalogue (``web.pages.messages.MESSAGES`` takes them in):
the pages the Front reads (``/audit``: chain checks, making and checking a seal) and
the remark form's kinds. Labels of the history itself (states, actions, people, the
chain's verdict) are the engine's (``engine.reports.history_labels``), shared with
the exports. Every key has vi and en."""

from __future__ import annotations

__all__ = ["audit_MESSAGES"]

audit_MESSAGES: dict[str, tuple[str, str]] = {
    "audit_intro": ("Mỗi thay đổi của hồ sơ được ghi nối tiếp và khóa bằng mã băm, nên không thể sửa lén. Niêm phong "
                   "ngày ghi lại toàn bộ lịch sử đến hết ngày đó: hãy chép mã niêm phong vào biên bản của Mặt trận để "
                   "đối chiếu về sau.",
                   "Every change to a case is appended and locked with a hash, so it cannot be altered unseen. A "
                   "day's seal pins every history up to the end of that day: copy its code into the Front's minutes "
                   "to check it later."),
    "audit_integrity": ("Kiểm tra toàn vẹn", "Integrity check"),
    "audit_hashes": ("Mã băm (dành cho người kiểm tra kỹ thuật)", "Hashes (for technical checks)"),
    "audit_head_hash": ("Mã băm sự kiện cuối", "Hash of the last event"),
    "audit_events_region": ("Các sự kiện của hồ sơ", "The case's events"),
    "audit_cases_region": ("Kết quả kiểm tra từng hồ sơ", "Each case's check"),
    "audit_seals_region": ("Các niêm phong đã ghi", "Recorded seals"),
    "audit_no_events": ("Hồ sơ chưa có sự kiện nào.", "The case has no event yet."),
    "audit_details": ("Chi tiết", "Details"),
    "audit_units": ("Đơn vị tiếp nhận → đơn vị xử lý", "Receiving unit → handling unit"),
    "audit_excel": ("Excel (.xlsx)", "Excel (.xlsx)"),
    "audit_json_hint": ("JSON: dữ liệu máy đọc, kèm mã băm để tính lại chuỗi.",
                        "JSON: machine-readable, with the hashes to recompute the chain."),
    "audit_make_seal": ("Niêm phong một ngày", "Seal a day"),
    "audit_make_seal_hint": ("Chỉ niêm phong được ngày đã kết thúc. Chép mã nhận được vào biên bản và giữ ngoài hệ thống.",
                             "Only a day that has ended can be sealed. Copy the code you get into the minutes and keep "
                             "it outside the system."),
    "audit_seal_button": ("Niêm phong", "Seal"),
    "audit_sealed": ("Niêm phong ngày {day}: {code}. Hãy chép mã này vào biên bản.",
                     "Seal of {day}: {code}. Copy this code into the minutes."),
    "audit_seal_refused": ("Chỉ Mặt trận (giám sát) và quản trị viên được niêm phong.",
                           "Only the Front's auditors and administrators may seal."),
    "audit_seal_malformed": ("Mã niêm phong không đúng định dạng. Mã gồm 16 chữ cái và chữ số, dạng XXXX-XXXX-XXXX-XXXX.",
                             "The seal code is not in the right form: 16 letters and digits, XXXX-XXXX-XXXX-XXXX."),
    "audit_seal_mismatch": ("Mã niêm phong không khớp với ngày {day}. Hãy kiểm tra lại ngày và mã đã chép.",
                            "The seal code does not match {day}. Check the day and the code you copied."),
    "audit_seal_match": ("Khớp: lịch sử đến hết ngày {day} không bị thay đổi ({code}).",
                         "Match: the histories up to the end of {day} are unchanged ({code})."),
    "audit_seal_altered": ("Lịch sử đã bị sửa sau khi niêm phong ngày {day}: niêm phong ghi ngày đó không còn khớp với "
                           "dữ liệu hiện nay.",
                           "The histories were changed after {day} was sealed: the seal recorded that day no longer "
                           "matches the data."),
    "audit_seal_by": ("Người niêm phong", "Sealed by"),
    "audit_worker": ("Hệ thống (tự động)", "The system (automatic)"),
    "remark_own_title": ("Ghi nhận xét vào lịch sử", "Add a remark to the history"),
    "remark_kind_remark": ("Ý kiến giám sát – Nhận xét", "Supervision – remark"),
    "remark_kind_urge": ("Ý kiến giám sát – Đôn đốc", "Supervision – urge"),
    "remark_kind_confirm": ("Ý kiến giám sát – Xác nhận", "Supervision – confirm"),
}
