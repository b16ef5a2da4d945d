"""The programmes' entry forms in the browser: a reception day with petitions on
their routes, a dialogue then its announced conclusion, a village team and its
members, a dispute with its parties. A refusal re-shows every typed value with the
engine's message and saves nothing; a form sent twice saves once."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.models import Case, CaseParty, Meeting, PublicDocument, ReceptionDay, Team, TeamMember

from .browser.web import browser, client, web_app, web_container  # noqa: F401
from .browser.web import csrf_of
from .programme_support import add_user


def count(container, model) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def form_of(page, path: str) -> dict[str, str]:
    html = page.get(path)
    assert html.status_code == 200, html.text
    nonce = html.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    return {"csrf": csrf_of(html.text), "nonce": nonce}


def reception(hidden: dict[str, str], **kw: str) -> dict[str, str]:
    data = {**hidden, "unit": "A", "held_on": "2026-11-23", "occasion": "regular", "capacity": "chair",
            "receiver_name": "Chủ tịch Lê Văn Chủ", "rows": "3",
            "p0_kind": "kien_nghi", "p0_topic": "giao_thong", "p0_content": "Sửa cầu ấp A1",
            "p0_citizen_name": "Nguyễn Văn Dân", "p0_route": "accept",
            "p1_kind": "phan_anh", "p1_topic": "moi_truong", "p1_content": "Ô nhiễm kênh", "p1_route": "forward",
            "p1_reason": "Thuộc thẩm quyền Sở", "p1_target_unit": "P-SO"}
    data.update(kw)
    return data


def test_a_reception_day_from_the_form_lands_once(browser, web_container):
    page = browser("lead_a")
    hidden = form_of(page, "/programmes/receptions/new")
    assert "Tiếp nhận, thụ lý" in page.get("/programmes/receptions/new").text  # routes are the workflow's labels
    sent = page.post("/programmes/receptions/new", reception(hidden), token_from=None)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/programmes/register?unit=A")
    again = page.post("/programmes/receptions/new", reception(hidden), token_from=None)
    assert again.status_code == 303 and again.headers["location"] == sent.headers["location"]
    assert (count(web_container, ReceptionDay), count(web_container, Case)) == (1, 2)
    register = page.get(sent.headers["location"]).text
    assert "Sửa cầu ấp A1" in register and "Nguyễn Văn Dân" in register


def test_a_refused_reception_day_keeps_every_typed_value(browser, web_container):
    page = browser("lead_a")
    for bad in ({"p1_route": "accept_denunciation"},  # not a phản ánh's route
                {"p0_content": "\u202eđảo chiều"}, {"occasion": "sometimes"}, {"unit": "B"},
                {"held_on": "2027-02-01"}):
        hidden = form_of(page, "/programmes/receptions/new")
        got = page.post("/programmes/receptions/new", reception(hidden, **bad), token_from=None)
        assert got.status_code == 400, (bad, got.status_code)
        assert "Chủ tịch Lê Văn Chủ" in got.text and "Ô nhiễm kênh" in got.text and 'role="alert"' in got.text
    assert (count(web_container, Meeting), count(web_container, Case)) == (0, 0)
    assert browser("aud_p").get("/programmes/receptions/new").status_code == 403


def test_a_dialogue_then_its_conclusion_from_the_forms(browser, web_container, client):
    page = browser("lead_a")
    hidden = form_of(page, "/programmes/dialogues/new")
    sent = page.post("/programmes/dialogues/new", {
        **hidden, "unit": "A", "held_on": "2026-11-20", "chair": "Chủ tịch UBND xã",
        "front_representative": "Chủ tịch MTTQ xã", "attendees": "", "rows": "3",
        "p0_kind": "kien_nghi", "p0_topic": "giao_thong", "p0_content": "Làm đường liên ấp",
        "p0_citizen_name": "Phạm Văn Dân"}, token_from=None)
    assert sent.status_code == 303, sent.text
    where = sent.headers["location"]
    hidden = form_of(page, where)
    conclusion = {**hidden, "title": "Kết luận đối thoại", "rows": "3", "c0_content": "Làm đường liên ấp",
                  "c0_due_on": "2027-01-15"}
    leaked = page.post(where, {**conclusion, "body": "Ông Phạm Văn Dân đề nghị"}, token_from=None)
    assert leaked.status_code == 400 and "Làm đường liên ấp" in leaked.text
    hidden = form_of(page, where)
    done = page.post(where, {**conclusion, **hidden, "body": "UBND xã cam kết làm đường."}, token_from=None)
    assert done.status_code == 303 and done.headers["location"].startswith("/conclusions/")
    public = client.get(done.headers["location"])
    assert public.status_code == 200 and "Làm đường liên ấp" in public.text and "Phạm Văn Dân" not in public.text
    assert count(web_container, PublicDocument) == 1
    official = browser("off_a")
    refused = official.post(where, {**conclusion, **form_of(official, where), "body": "x"}, token_from=None)
    assert refused.status_code == 400 and 'role="alert"' in refused.text  # a conclusion is a leader's
    assert count(web_container, PublicDocument) == 1


def test_a_village_team_from_its_page(browser, web_container):
    page = browser("off_a")
    hidden = form_of(page, "/programmes/teams?village=A1")
    assert page.post("/programmes/teams", {**hidden, "village": "A1", "action": "set_up",
                                           "team_name": "Tổ dân vận ấp 1"}, token_from=None).status_code == 303
    hidden = form_of(page, "/programmes/teams?village=A1")
    added = page.post("/programmes/teams", {**hidden, "village": "A1", "action": "add", "name": "Nguyễn Thị Tổ",
                                            "role": "leader", "joined_on": "2025-01-10"}, token_from=None)
    assert added.status_code == 303
    bad = page.post("/programmes/teams", {**form_of(page, "/programmes/teams?village=A1"), "village": "A1",
                                          "action": "add", "name": "Trần Văn Sai", "role": "boss",
                                          "joined_on": "2025-01-10"}, token_from=None)
    assert bad.status_code == 400 and "Trần Văn Sai" in bad.text
    html = page.get("/programmes/teams?village=A1").text
    assert "Nguyễn Thị Tổ" in html and "Tổ trưởng" in html
    with web_container.sessions() as s:
        member_id = s.scalar(select(TeamMember.id))
    left = page.post("/programmes/teams", {**form_of(page, "/programmes/teams?village=A1"), "village": "A1",
                                           "action": "leave", "member": str(member_id), "left_on": "2026-06-30"},
                     token_from=None)
    assert left.status_code == 303 and "Nguyễn Thị Tổ" not in page.get("/programmes/teams?village=A1").text
    assert (count(web_container, Team), count(web_container, TeamMember)) == (1, 1)
    assert browser("off_b").get("/programmes/teams?village=A1").status_code == 404


def test_a_team_member_takes_a_dispute_with_its_parties(browser, web_container):
    add_user(web_container.cases, "to_vien_a1", "member", "A1")
    from engine.passwords import hash_password
    from engine.models import User
    from .world import PASSWORD
    with web_container.sessions() as s, s.begin():
        s.scalar(select(User).where(User.username == "to_vien_a1")).password_hash = hash_password(PASSWORD)
    page = browser("to_vien_a1")
    hidden = form_of(page, "/programmes/disputes/new")
    data = {**hidden, "village": "A1", "topic": "dat_dai", "content": "Tranh chấp ranh đất", "rows": "2",
            "q0_name": "Hộ ông Lê Văn Một", "q0_phone": "0901111111"}
    one = page.post("/programmes/disputes/new", data, token_from=None)
    assert one.status_code == 400 and "Hộ ông Lê Văn Một" in one.text and count(web_container, Case) == 0
    hidden = form_of(page, "/programmes/disputes/new")
    done = page.post("/programmes/disputes/new", {**data, **hidden, "q1_name": "Hộ bà Trần Thị Hai"}, token_from=None)
    assert done.status_code == 303 and done.headers["location"].startswith("/cases/")
    assert (count(web_container, Case), count(web_container, CaseParty)) == (1, 2)


def test_a_heads_reception_schedule_from_its_page(browser, web_container, clock):
    from engine.models import ReceptionSchedule

    page = browser("lead_a")
    csrf = csrf_of(page.get("/programmes/schedules").text)
    body = {"csrf": csrf, "unit": "A", "username": "lead_a", "capacity": "party_secretary", "days_per_month": "2",
            "basis": "Quy định 11-QĐi/TW"}
    assert page.post("/programmes/schedules", body, token_from=None).status_code == 303
    assert page.post("/programmes/schedules", body, token_from=None).status_code == 303  # the same schedule again
    bad = page.post("/programmes/schedules", {**body, "days_per_month": "40"}, token_from=None)
    assert bad.status_code == 400 and "Quy định 11-QĐi/TW" in bad.text
    assert count(web_container, ReceptionSchedule) == 1
    html = page.get("/programmes/schedules").text
    assert "0/2 ngày" in html and "Bí thư cấp ủy" in html
    # A reception day the head held this month counts.
    from engine.services.receptions import NewReception
    web_container.programmes.receptions.record(_lead(web_container),
                                               NewReception(unit="A", held_on="2026-11-20", occasion="regular",
                                                            capacity="party_secretary", receiver="lead_a"))
    assert "1/2 ngày" in page.get("/programmes/schedules").text
    assert "1/2 ngày" not in browser("lead_b").get("/programmes/schedules").text  # another commune's schedules
    official = browser("off_a")
    refused = official.post("/programmes/schedules", {**body, "csrf": csrf_of(official.get("/programmes/schedules")
                                                                              .text)}, token_from=None)
    assert refused.status_code == 400  # a schedule is set by a leader


def _lead(container):
    from engine.services import directory
    with container.sessions() as s:
        return directory.actor_for(s, "lead_a")
