"""What the programmes' entry forms write (web.pages.programme_entry): reception
days, dialogues and conclusions, village teams, disputes."""

from __future__ import annotations

__all__ = ["ENTRY_MESSAGES"]

ENTRY_MESSAGES: dict[str, tuple[str, str]] = {
    "entry_record": ("Ghi nhận", "Record"),
    "nav_programmes": ("Các chương trình", "Programmes"),
    "entry_reception_title": ("Ghi nhận buổi tiếp công dân", "Record a citizen reception day"),
    "entry_reception_intro": ("Ghi người tiếp, hình thức tiếp và từng đơn đã nhận; mỗi đơn được phân loại và xử lý "
                              "theo đúng trình tự ngay khi lưu.",
                              "Write who received, the occasion and every petition received; each petition is "
                              "classified and takes its route when saved."),
    "entry_occasion": ("Hình thức tiếp", "Occasion"),
    "entry_capacity": ("Người tiếp với tư cách", "Received as"),
    "entry_receiver": ("Họ tên người tiếp", "Name of the receiver"),
    "entry_petition": ("Đơn thứ {n}", "Petition {n}"),
    "entry_opinion": ("Ý kiến thứ {n}", "Opinion {n}"),
    "entry_route": ("Xử lý tại buổi tiếp", "Route taken on the spot"),
    "entry_route_later": ("Ghi nhận, phân loại sau", "Record, classify later"),
    "entry_route_hint": ("Hướng dẫn và chuyển đơn cần ghi lý do; chuyển đơn cần chọn nơi nhận.",
                         "Guiding and forwarding need a reason; forwarding needs the receiving unit."),
    "entry_more_rows": ("Thêm dòng", "Add rows"),
    "entry_dialogue_title": ("Ghi nhận buổi đối thoại", "Record a dialogue"),
    "entry_dialogue_intro": ("Người chủ trì, đại diện Mặt trận và các ý kiến người dân nêu; sau khi lưu, ghi kết luận "
                             "để công khai.",
                             "The chair, the Front's representative and the opinions raised; after saving, write the "
                             "conclusion to announce."),
    "entry_chair": ("Người chủ trì", "Chaired by"),
    "entry_front": ("Đại diện Ủy ban MTTQ", "The Front's representative"),
    "entry_conclusion_title": ("Kết luận buổi đối thoại", "The dialogue's conclusion"),
    "entry_conclusion_intro": ("Kết luận được công khai cho Nhân dân; mỗi nội dung cam kết thành một việc có hạn "
                               "thực hiện.",
                               "The conclusion is announced to the people; each commitment becomes a follow-up "
                               "case with its deadline."),
    "entry_conclusion_name": ("Tiêu đề", "Title"),
    "entry_conclusion_body": ("Nội dung kết luận", "The conclusion"),
    "entry_conclusion_hint": ("Không ghi họ tên, số điện thoại của người dân: văn bản này được công khai.",
                              "No citizen's name or phone number: this text is published."),
    "entry_commitment": ("Cam kết thứ {n}", "Commitment {n}"),
    "entry_commitment_due": ("Hạn thực hiện", "Due by"),
    "entry_conclusion_save": ("Lưu và công khai", "Save and announce"),
    "entry_dispute_title": ("Tiếp nhận vụ việc hòa giải", "Take a dispute for mediation"),
    "entry_dispute_intro": ("Vụ việc mâu thuẫn, tranh chấp tại thôn, ấp và các bên liên quan (ít nhất hai bên).",
                            "A dispute in the village and its parties (at least two)."),
    "entry_dispute_content": ("Nội dung vụ việc", "What the dispute is about"),
    "entry_party": ("Bên thứ {n}", "Party {n}"),
    "entry_more_parties": ("Thêm bên", "Add parties"),
    "entry_team_title": ("Tổ dân vận thôn, ấp", "Village Tổ dân vận"),
    "entry_team_open": ("Xem", "Open"),
    "entry_team_set_up": ("Thành lập Tổ dân vận", "Set up the team"),
    "entry_team_name": ("Tên tổ", "Team name"),
    "entry_team_members": ("Tổ viên hiện nay ({n})", "Current members ({n})"),
    "entry_team_role": ("Chức danh trong tổ", "Role in the team"),
    "entry_joined": ("Ngày vào tổ", "Joined"),
    "entry_left": ("Rời tổ", "Left"),
    "entry_left_on": ("Ngày {name} rời tổ", "Day {name} left"),
    "entry_leave": ("Ghi nhận rời tổ", "Record leaving"),
    "entry_team_add": ("Thêm tổ viên", "Add a member"),
    "entry_member_hint": ("Bỏ trống nếu chọn theo tên đăng nhập.", "Leave empty when giving a user name."),
    "entry_schedules_title": ("Lịch tiếp công dân định kỳ", "Regular reception schedules"),
    "entry_schedules_intro": ("Số ngày tiếp công dân định kỳ mỗi tháng của từng người đứng đầu; trước khi hết tháng "
                              "mà chưa đủ, người đó và văn phòng được nhắc.",
                              "How many regular reception days a month each head must hold; before a month ends "
                              "short of them, the head and their office are reminded."),
    "entry_schedules_month": ("Tháng này", "This month"),
    "entry_head": ("Người đứng đầu", "Head"),
    "entry_head_user": ("Tên đăng nhập của người đứng đầu", "The head's user name"),
    "entry_days_held": ("Đã tiếp", "Held"),
    "entry_days_of": ("{held}/{required} ngày", "{held} of {required} days"),
    "entry_schedules_none": ("Chưa có lịch nào.", "No schedule yet."),
    "entry_schedules_set": ("Đặt lịch (đặt lại sẽ thay lịch cũ)", "Set a schedule (setting it again replaces it)"),
    "entry_days_per_month": ("Số ngày mỗi tháng", "Days a month"),
    "entry_basis": ("Căn cứ", "Basis"),
    "entry_basis_hint": ("Ví dụ: Quy định 11-QĐi/TW", "For example: Quy định 11-QĐi/TW"),
}
