"""Outages survive (issue 13, item 3), on a real SMTP server on loopback and the
injected clock: retries back off to a cap and go on for the retry span (48 hours by
default), far longer than the old eight attempts (about two hours); what dies after
that is told to the admins in the app — one inbox notice per batch and a banner on
the board and the case list — listed by `nghedan notify dead` and brought back, once
each, by `nghedan notify retry`."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from engine.models import InboxItem, NotificationDelivery
from notifications import inbox, run_once
from web.cli.main import _register, cli

from .browser.web import browser, web_app, web_container  # noqa: F401
from .delivery_support import settings_for
from .test_notify_support import deadline_message, give_emails, rng, smtp_server, user_id  # noqa: F401


def _emails(sessions) -> list[NotificationDelivery]:
    with sessions() as session:
        return list(session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)))


def _next_due(sessions):
    with sessions() as session:
        return session.scalar(select(func.min(NotificationDelivery.next_attempt_at))
                              .where(NotificationDelivery.status.in_(("pending", "failed"))))


def _alerts(world, sessions, clock, who: tuple[str, ...]) -> None:
    """One overdue alert each for these people: one email each."""
    case = world.new_case()
    for n, name in enumerate(who):
        deadline_message(sessions, case.code, "deadline.overdue", name, clock.now(), n=n)


def _outage(sessions, clock, settings, rng, hours: float) -> list[tuple]:
    """Run a pass at every retry time for ``hours``; returns (pass time, stats) per pass."""
    end = clock.now() + timedelta(hours=hours)
    passes = []
    while True:
        passes.append((clock.now(), run_once(sessions, settings, clock, rng=rng)))
        due = _next_due(sessions)
        if due is None or due > end:
            break
        clock.set(max(due, clock.now()))
    clock.set(end)
    return passes


def test_an_outage_longer_than_the_old_retry_span_is_survived(world, sessions, clock, smtp_server, rng):
    give_emails(sessions)
    _alerts(world, sessions, clock, ("lead_a", "off_kt"))
    settings = settings_for(smtp_server)
    assert (settings.retry_span_seconds, settings.backoff_max_seconds) == (48 * 3600, 3600)  # the defaults
    smtp_server.stop()
    started = clock.now()

    passes = _outage(sessions, clock, settings, rng, hours=30)  # the old limit gave up after about 2 hours

    assert sum(s.failed for _, s in passes) > 2 * 8 and sum(s.dead for _, s in passes) == 0
    down = _emails(sessions)
    assert {d.status for d in down} == {"failed"} and all(d.attempts > 20 for d in down)
    # Backing off doubles up to the cap: never more than an hour between attempts.
    times = [at for at, s in passes if s.claimed]
    assert max(b - a for a, b in zip(times, times[1:])) <= timedelta(hours=1)
    assert all(d.retry_until == started + timedelta(hours=48) for d in down)

    smtp_server.start()
    back = clock.now()
    while not smtp_server.envelopes:
        clock.set(max(_next_due(sessions), clock.now()))
        run_once(sessions, settings, clock, rng=rng)
    assert clock.now() - back <= timedelta(hours=1)  # delivered within the cap of the server's return
    for _ in range(3):
        clock.advance(timedelta(hours=12))
        run_once(sessions, settings, clock, rng=rng)
    assert sorted(r for _, rcpts, _ in smtp_server.envelopes for r in rcpts) == [
        "lead_a@nghedan.test", "off_kt@nghedan.test"]
    assert set(smtp_server.message_ids().values()) == {1}
    assert {d.status for d in _emails(sessions)} == {"sent"}
    with sessions() as session:  # nothing died, so the admins were told of nothing
        assert session.scalar(select(func.count()).select_from(InboxItem)
                              .where(InboxItem.kind == "deliveries.dead")) == 0


def test_past_the_span_deliveries_die_and_the_admins_are_told_once_per_batch_in_the_app(
        world, sessions, clock, smtp_server, rng, browser):
    give_emails(sessions)
    _alerts(world, sessions, clock, ("lead_a", "off_kt", "lead_kt"))
    settings = settings_for(smtp_server)
    smtp_server.stop()

    passes = _outage(sessions, clock, settings, rng, hours=49)

    dead = _emails(sessions)
    assert {d.status for d in dead} == {"dead"} and all("ConnectionRefusedError" in d.last_error for d in dead)
    # They died in different passes (retries are spread out): still one notice, counting all three.
    assert sum(s.dead_told for _, s in passes) == 3
    admin = user_id(sessions, "admin")
    with sessions() as session:
        notices = list(session.scalars(select(InboxItem).where(InboxItem.kind == "deliveries.dead")))
        [entry] = inbox.list_items(session, admin)
    assert [n.user_id for n in notices] == [admin]  # the only admin; nobody else
    assert entry.text == "3 thông báo không gửi được (email/webhook), cần kiểm tra và gửi lại"
    assert entry.link == "/admin#dead-letters" and entry.unread

    # Passes that find nothing newly dead tell nobody again.
    for _ in range(2):
        clock.advance(timedelta(hours=1))
        assert run_once(sessions, settings, clock, rng=rng).dead_told == 0

    # The banner: admins only, on the board and the case list, with the count and a link.
    page = browser("admin")
    for path in ("/", "/cases"):
        html = page.get(path).text
        assert 'href="/admin#dead-letters">3 thông báo (email/webhook) không gửi được' in html, path
    assert "dead-letters-banner" not in browser("lead_a").get("/").text
    listed = page.get("/admin").text
    assert 'id="dead-letters"' in listed and "lead_kt &lt;lead_kt@nghedan.test&gt;" in listed
    assert "ConnectionRefusedError" in listed

    # Read, the notice is done with: a later death is a new batch and a new notice, for it only.
    with sessions() as session:
        inbox.mark_all_read(session, admin, now=clock.now())
        session.commit()
    short = settings.model_copy(update={"retry_span_seconds": 3600})
    _alerts(world, sessions, clock, ("off_a",))  # and lead_a hears of the new case: two emails
    later = _outage(sessions, clock, short, rng, hours=2)
    assert sum(s.dead_told for _, s in later) == 2
    with sessions() as session:
        assert inbox.unread_count(session, admin) == 1
        newest = inbox.list_items(session, admin, lang="en")[0]
        assert newest.unread and newest.text == "2 notifications could not be delivered (email/webhook): check and retry"
    assert "5 thông báo (email/webhook)" in page.get("/").text

    # Unread, it counts on: two more deaths raise it to 4 instead of adding a third notice.
    _alerts(world, sessions, clock, ("lead_b",))
    _outage(sessions, clock, short, rng, hours=2)
    with sessions() as session:
        assert inbox.unread_count(session, admin) == 1
        assert inbox.list_items(session, admin, lang="en")[0].text.startswith("4 notifications could not")
        assert session.scalar(select(func.count()).select_from(InboxItem).where(InboxItem.user_id == admin)) == 2


def _after_the_cli(sessions, clock) -> None:
    """The CLI requeued on the system clock: the worker's next pass comes after that."""
    clock.set(max(clock.now(), _next_due(sessions)) + timedelta(seconds=1))


def _cli(db_url, *args: str):
    _register()
    return CliRunner().invoke(cli, ["--lang", "en", "--database-url", db_url, "notify", *args])


def test_notify_dead_and_retry_through_the_cli(db_url, world, sessions, clock, smtp_server, rng):
    give_emails(sessions)
    _alerts(world, sessions, clock, ("lead_a", "off_kt", "lead_kt"))
    settings = settings_for(smtp_server, retry_span_seconds=3600)  # the span is not what this is about
    smtp_server.stop()
    _outage(sessions, clock, settings, rng, hours=2)
    first, second, third = (d.id for d in _emails(sessions))

    listed = _cli(db_url, "dead")
    assert listed.exit_code == 0, listed.output
    for d in _emails(sessions):
        assert f"#{d.id}\temail\t" in listed.output
    assert "off_kt <off_kt@nghedan.test>" in listed.output and "ConnectionRefusedError" in listed.output

    assert _cli(db_url, "retry").exit_code == 2  # neither ids nor --all
    assert _cli(db_url, "retry", str(first), "--all").exit_code == 2
    one = _cli(db_url, "retry", str(first))
    assert one.exit_code == 0 and "1 requeued" in one.output
    again = _cli(db_url, "retry", str(first), "999999")  # already requeued; unknown
    assert again.exit_code == 2 and "0 requeued" in again.output
    assert f"not dead (already requeued, sent, or unknown): #{first}, #999999" in again.output

    smtp_server.start()
    _after_the_cli(sessions, clock)
    assert run_once(sessions, settings, clock, rng=rng).sent == 1
    rest = _cli(db_url, "retry", "--all")
    assert rest.exit_code == 0 and "2 requeued" in rest.output
    assert _cli(db_url, "retry", "--all").output.startswith("0 requeued")
    _after_the_cli(sessions, clock)
    assert run_once(sessions, settings, clock, rng=rng).sent == 2
    for _ in range(3):
        clock.advance(timedelta(hours=6))
        assert run_once(sessions, settings, clock, rng=rng).claimed == 0

    by_id = {d.id: d for d in _emails(sessions)}
    assert {i: (d.status, d.requeues) for i, d in by_id.items()} == {
        first: ("sent", 1), second: ("sent", 1), third: ("sent", 1)}
    assert all(d.requeued_at is not None for d in by_id.values())
    assert set(smtp_server.message_ids().values()) == {1} and len(smtp_server.envelopes) == 3
    assert _cli(db_url, "dead").output.strip() == "no dead deliveries"


def test_the_dead_list_shows_no_webhook_credentials_or_query(db_url, sessions, clock):
    from engine.models import WebhookSubscription
    with sessions() as session:
        # Written directly: a subscription from before URLs with credentials were refused.
        sub = WebhookSubscription(url="https://portal:s3cret@hooks.example.test:8443/in?api_key=KEY123",
                                  secret="x" * 32, event_types=["*"], description="", active=True,
                                  created_at=clock.now())
        session.add(sub)
        session.flush()
        session.add(NotificationDelivery(key="webhook:legacy", channel="webhook", kind="event",
                                         subscription_id=sub.id, status="dead", attempts=3,
                                         next_attempt_at=clock.now(), created_at=clock.now(),
                                         last_attempt_at=clock.now(), last_error="attempt 3: HTTP 503"))
        session.commit()
    listed = _cli(db_url, "dead")
    assert listed.exit_code == 0, listed.output
    assert "https://hooks.example.test:8443/in\t3 attempts" in listed.output
    assert "s3cret" not in listed.output and "KEY123" not in listed.output and "portal" not in listed.output


def test_two_admins_retrying_at_once_requeue_each_dead_letter_once(sessions, clock, world):
    import threading

    from engine.uow import UnitOfWork
    from notifications.admin import retry_dead
    with sessions() as session:
        for n in range(5):
            session.add(NotificationDelivery(key=f"dead:{n}", channel="email", kind="notice",
                                             user_id=user_id(sessions, "lead_a"), status="dead", attempts=9,
                                             next_attempt_at=clock.now(), created_at=clock.now()))
        session.commit()
    barrier, got, errors = threading.Barrier(3), [], []

    def admin(ids) -> None:
        try:
            barrier.wait()
            with UnitOfWork(sessions, write=True) as uow:
                got.append(retry_dead(uow.session, ids, now=clock.now()))
                uow.commit()
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    ids = [d.id for d in _emails(sessions)]
    threads = [threading.Thread(target=admin, args=(a,)) for a in (ids, None, ids[:2])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(i for batch in got for i in batch) == sorted(ids)  # each once, whoever got it
    assert {(d.status, d.requeues) for d in _emails(sessions)} == {("pending", 1)}
