"""The citizen's side of the tracking page: bookmarkable, forgiving codes, overdue in
working days; with the receipt's PIN the answer, a rating and a re-check request,
as events by the actor "citizen" that the handling unit's leaders are told of; PIN
guesses limited per code and per address."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.models import Case, CaseEvent, OutboxMessage
from engine.services.receipts import issue_receipts
from notifications.recipients import recipients_for

from .browser.web import browser, form_values, web_app, web_container  # noqa: F401


def _answered(world, service, **kw):
    case = world.new_case(content="Đèn đường ấp A1 hỏng", citizen_name="Thạch Thị Sương", **kw)
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Xã sẽ thay bóng đèn trong tuần."})
    (receipt,) = issue_receipts(service, world["off_a"], [case.code])
    return case, receipt.pin


def _with_pin(page, code: str, pin: str):
    return page.post(f"/tra-cuu/{code}/pin", {"pin": pin}, token_from=f"/tra-cuu/{code}")


def test_the_page_is_bookmarkable_and_codes_are_forgiven(browser, world):
    case = world.new_case()
    page = browser()
    prefix, year, body = case.code.split("-")
    assert page.get(f"/tra-cuu/{case.code}").status_code == 200
    for typed in (f"{prefix.lower()}.{year}.{body.lower()}", f"{prefix}{year}{body}", f"{prefix} {year} {body}"):
        r = page.get(f"/tra-cuu/{typed}")
        assert r.status_code == 303 and r.headers["location"] == f"/tra-cuu/{case.code}", typed
    assert case.code in page.post("/track", {"code": f" {prefix} . {year} . {body.lower()} "}).text


def test_a_qr_code_for_a_code_that_does_not_exist_is_a_404_page(browser, world):
    page = browser()
    for code in ("P-2026-0000000", "nonsense", "%3Cscript%3E"):
        r = page.get(f"/tra-cuu/{code}")
        assert r.status_code == 404 and "Không tìm thấy ý kiến với mã này." in r.text and "<script>" not in r.text


def test_overdue_in_working_days_and_the_exact_deadline(browser, world, clock):
    from engine.calendar import LOCAL_TZ
    from web.pages.i18n import Translator

    case = world.new_case()
    page = browser()
    assert "quá hạn" not in page.get(f"/tra-cuu/{case.code}").text
    clock.advance(timedelta(days=20))
    html = page.get(f"/tra-cuu/{case.code}").text
    assert Translator("vi").due(case.due_at) in html  # the exact instant, "17:00 ngày dd/mm/yyyy"
    # December 2026 has no public holiday: the working days late are the weekdays after
    # the due day up to today.
    due_day, today = case.due_at.astimezone(LOCAL_TZ).date(), clock.now().astimezone(LOCAL_TZ).date()
    weekdays = sum(1 for n in range(1, (today - due_day).days + 1) if (due_day + timedelta(days=n)).weekday() < 5)
    assert weekdays > 0 and f"quá hạn {weekdays} ngày làm việc" in html


def test_with_the_pin_the_citizen_reads_the_answer_and_rates_it(browser, world, service, sessions):
    case, pin = _answered(world, service)
    page = browser()
    public = page.get(f"/tra-cuu/{case.code}").text
    assert "Xã sẽ thay bóng đèn" not in public and "Đèn đường ấp A1 hỏng" not in public
    r = _with_pin(page, case.code, pin)
    assert r.status_code == 200 and "Xã sẽ thay bóng đèn trong tuần." in r.text and "Đèn đường ấp A1 hỏng" in r.text
    assert "Thạch Thị Sương" not in r.text
    hidden = form_values(r.text, f"/tra-cuu/{case.code}/danh-gia")
    r = page.post(f"/tra-cuu/{case.code}/danh-gia", {**hidden, "satisfaction": "satisfied", "note": "Cảm ơn xã"},
                  csrf=hidden["csrf"])
    assert r.status_code == 200 and "Đã ghi nhận" in r.text
    # Sent again (a double click, a retry): the first result, nothing written twice.
    again = page.post(f"/tra-cuu/{case.code}/danh-gia", {**hidden, "satisfaction": "satisfied", "note": "Cảm ơn xã"},
                      csrf=hidden["csrf"])
    assert again.status_code == 200 and "Đã ghi nhận" in again.text
    with sessions() as s:
        assert len(s.scalars(select(CaseEvent).where(CaseEvent.actor == "citizen")).all()) == 1
        event = s.scalars(select(CaseEvent).order_by(CaseEvent.id.desc())).first()
        assert (event.actor, event.actor_id, event.trigger, event.to_state) == (
            "citizen", None, "citizen_rate", "answered_on_site")
        assert event.data["satisfaction"] == "satisfied" and event.note == "Cảm ơn xã"
        saved = s.scalar(select(Case).where(Case.code == case.code))
        assert saved.state == "answered_on_site" and saved.due_at == case_due(service, world, case.code)
        message = s.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key.endswith(f":event:{event.seq}")))
        leaders = recipients_for(s, message)
    assert world["lead_a"].user_id in leaders  # the handling unit's leader is told
    staff_view = browser("lead_a").get(f"/cases/{case.code}").text
    assert "Người dân (có mã PIN)" in staff_view and "Cảm ơn xã" in staff_view
    from notifications.text import event_phrase
    assert event_phrase(message.kind, message.payload, "vi") == "Người dân đã đánh giá kết quả trả lời"
    assert "Cảm ơn xã" not in repr(message.payload)  # what the citizen wrote stays in the case


def case_due(service, world, code):
    return service.get(world["off_a"], code).due_at


def test_not_satisfied_the_citizen_asks_for_a_recheck_and_the_case_is_handled_again(browser, world, service):
    case, pin = _answered(world, service)
    page = browser()
    r = _with_pin(page, case.code, pin)
    hidden = form_values(r.text, f"/tra-cuu/{case.code}/xem-xet-lai")
    r = page.post(f"/tra-cuu/{case.code}/xem-xet-lai", {**hidden, "reason": "Đèn vẫn chưa sáng"},
                  csrf=hidden["csrf"])
    assert r.status_code == 200 and "Đã chuyển xử lý" in r.text
    snap = service.get(world["lead_a"], case.code)
    assert snap.state == "escalated"
    last = service.history(world["lead_a"], case.code)[-1]
    assert (last.actor, last.trigger, last.data["reason"]) == ("citizen", "citizen_recheck", "Đèn vẫn chưa sáng")
    # Once re-opened there is nothing to rate or re-check until a new answer.
    again = _with_pin(page, case.code, pin).text
    assert f"/tra-cuu/{case.code}/danh-gia" not in again and f"/tra-cuu/{case.code}/xem-xet-lai" not in again
    # The same request retried gets its first result; another one is refused by the workflow.
    r = page.post(f"/tra-cuu/{case.code}/xem-xet-lai", {**hidden, "reason": "Đèn vẫn chưa sáng"}, csrf=hidden["csrf"])
    assert r.status_code == 200 and service.get(world["lead_a"], case.code).event_count == snap.event_count
    r = page.post(f"/tra-cuu/{case.code}/xem-xet-lai", {**hidden, "reason": "lần nữa"}, csrf=hidden["csrf"])
    assert r.status_code == 422 and service.get(world["lead_a"], case.code).event_count == snap.event_count


def test_a_wrong_pin_says_nothing_and_acts_on_nothing(browser, world, service, sessions):
    case, pin = _answered(world, service)
    other = world.new_case()  # no receipt printed: the same answer as a wrong PIN
    page = browser()
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    answers = [_with_pin(page, case.code, wrong), _with_pin(page, other.code, "123456"),
               _with_pin(page, case.code, "abc"), _with_pin(page, case.code, "")]
    assert {r.status_code for r in answers} == {403}
    for r in answers:
        assert "Mã PIN không đúng." in r.text and "Xã sẽ thay bóng đèn" not in r.text
    token = page.token(f"/tra-cuu/{case.code}")
    r = page.post(f"/tra-cuu/{case.code}/danh-gia", {"pin": wrong, "satisfaction": "not_satisfied"}, csrf=token)
    assert r.status_code == 403
    with sessions() as s:
        assert not s.scalars(select(CaseEvent).where(CaseEvent.actor == "citizen")).all()


def test_a_pin_guessed_10000_times_is_checked_only_until_the_limit(web_container, world, service, clock):
    case, pin = _answered(world, service)
    throttle = web_container.track_throttle
    checked = []
    import web.security as security
    real = security.pin_matches

    def counting(session, code, guess):
        checked.append(guess)
        return real(session, code, guess)

    security.pin_matches = counting
    try:
        verdicts = [throttle.check_pin(web_container, case.code, f"10.0.{i // 250}.{i % 250}", f"{i:06d}")
                    for i in range(10_000) if f"{i:06d}" != pin]
        # The right PIN, once the code is locked, is not even checked.
        assert throttle.check_pin(web_container, case.code, "192.0.2.1", pin) == "limited"
    finally:
        security.pin_matches = real
    assert len(checked) == throttle.pin_per_code
    assert verdicts.count("wrong") == throttle.pin_per_code and set(verdicts) == {"wrong", "limited"}
    clock.advance(throttle.pin_window + timedelta(seconds=1))
    assert throttle.check_pin(web_container, case.code, "192.0.2.1", pin) == "ok"


def test_pin_guesses_are_limited_per_address_across_codes(web_container, world, service):
    throttle = web_container.track_throttle
    cases = [_answered(world, service) for _ in range(4)]
    ip = "198.51.100.7"
    verdicts = [throttle.check_pin(web_container, case.code, ip, "000000") for case, _ in cases
                for _ in range(throttle.pin_per_code - 1)]
    assert verdicts.count("wrong") == throttle.pin_per_ip and verdicts[-1] == "limited"
    case, pin = cases[-1]
    assert throttle.check_pin(web_container, case.code, ip, pin) == "limited"
    assert throttle.check_pin(web_container, case.code, "198.51.100.8", pin) == "ok"


def test_hostile_input_on_the_citizens_forms_is_refused_in_their_words(browser, world, service, sessions):
    case, pin = _answered(world, service)
    page = browser()
    token = page.token(f"/tra-cuu/{case.code}")
    for data in ({"satisfaction": "very"}, {"satisfaction": "satisfied", "note": "bad\u202etext"}, {}):
        r = page.post(f"/tra-cuu/{case.code}/danh-gia", {"pin": pin, **data}, csrf=token)
        assert r.status_code == 422 and 'class="alert' in r.text, data
    r = page.post(f"/tra-cuu/{case.code}/khac", {"pin": pin}, csrf=token)
    assert r.status_code == 404
    r = page.post(f"/tra-cuu/{case.code}/danh-gia", {"pin": pin, "satisfaction": "satisfied"}, token_from=None)
    assert r.status_code == 403  # no CSRF token
    with sessions() as s:
        assert not s.scalars(select(CaseEvent).where(CaseEvent.actor == "citizen")).all()


def test_concurrent_guesses_cannot_all_read_the_count_before_the_limit(web_container, world, service):
    from concurrent.futures import ThreadPoolExecutor

    case, pin = _answered(world, service)
    throttle = web_container.track_throttle
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(lambda i: throttle.check_pin(web_container, case.code, f"203.0.113.{i}", wrong),
                                 range(3 * throttle.pin_per_code)))
    assert verdicts.count("wrong") == throttle.pin_per_code
    assert verdicts.count("limited") == 2 * throttle.pin_per_code
