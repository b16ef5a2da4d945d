"""Webhooks only where an administrator allowed: the address policy refuses internal
targets when a webhook is registered (a clear error in the user's language) and
again at every send, against the addresses the name resolves to right then; the
connection goes to the checked address, and a refused target is sent nothing."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from http.server import ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, update

from engine.address_policy import AddressPolicy, RefusedTarget, parse_allowed_hosts
from engine.errors import InvalidField
from engine.models import NotificationDelivery, WebhookSubscription
from notifications import run_once
from notifications.subscriptions import add_subscription

from .test_notify_support import (WebhookReceiver, _make_handler, notify_settings, rng, smtp_server,  # noqa: F401
                                  webhook_server)
from .test_webhook_delivery import LOOPBACK

STRICT = AddressPolicy()  # a deployment that allowed nothing

REFUSED = [
    "http://127.0.0.1:8080/hook",
    "http://127.9.9.9/",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://[fd00::1]/",  # unique local
    "http://[fec0::1]/",  # site-local (deprecated, still routed inside some networks)
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://240.0.0.1/",  # reserved
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
    "http://[2002:7f00:1::]/",  # 6to4 of loopback
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0177.0.0.1/",  # octal
    "http://0x7f.0.0.1/",  # hexadecimal
    "http://127.1/",  # short form
    "http://017700000001/",
    "http://localhost:8000/",
    "http://LOCALHOST./",
    "http://hooks.localhost/",
    "http://user:s3cr3t@hooks.example.test/",
    "http://user@hooks.example.test/",
    "https://:s3cr3t@hooks.example.test/",
    "ftp://hooks.example.test/",
    "http://hooks.exa mple.test/",
    "http://hooks.example.test:99999/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_registration_refuses_internal_targets_and_credentials(sessions, clock, world, url):
    with sessions() as session:
        with pytest.raises(InvalidField) as refused:
            add_subscription(session, url, ["case.*"], now=clock.now(), policy=STRICT)
        assert session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0
    vi, en = refused.value.message("vi"), refused.value.message("en")
    assert vi.startswith("Trường “url” không hợp lệ") and en.startswith("Field “url” is invalid")
    assert "s3cr3t" not in vi + en  # the credentials are not repeated


@pytest.mark.parametrize("url", ["https://hooks.example.test/nghedan", "http://93.184.216.34:8080/x?a=1",
                                 "https://[2606:4700:4700::1111]/hook", "https://Hooks.Example.Test./x"])
def test_public_targets_are_accepted(sessions, clock, world, url):
    with sessions() as session:
        sub, _ = add_subscription(session, url, ["case.*"], now=clock.now(), policy=STRICT)
    assert sub.url == url


def test_the_allow_list_opens_exactly_the_listed_hosts():
    policy = AddressPolicy(parse_allowed_hosts("127.0.0.1, [::1] hooks.lan"))
    assert policy.allowed_hosts == {"127.0.0.1", "::1", "hooks.lan"}
    assert policy.check_url("http://127.0.0.1:9000/x").allowed
    assert policy.check_url("http://[0:0::1]/x").allowed  # the same address, spelled otherwise
    assert policy.check_url("http://HOOKS.lan/x").allowed
    for other in ("http://127.0.0.2/", "http://10.0.0.1/", "http://localhost/"):
        with pytest.raises(RefusedTarget):
            policy.check_url(other)
    # Neither credentials nor a legacy spelling of a listed address get through.
    for never in ("http://u:p@127.0.0.1/", "http://2130706433/"):
        with pytest.raises(RefusedTarget):
            policy.check_url(never)


def test_cli_refuses_loopback_in_the_users_language_unless_listed(run, sessions, monkeypatch):
    monkeypatch.delenv("NGHEDAN_WEBHOOK_ALLOWED_HOSTS", raising=False)
    vi = run("webhooks", "add", "http://127.0.0.1:9/hook")
    assert vi.exit_code == 2 and len(vi.output.strip().splitlines()) == 1
    assert "loopback" in vi.output and "NGHEDAN_WEBHOOK_ALLOWED_HOSTS" in vi.output and "lỗi" in vi.output
    en = run("webhooks", "add", "http://admin:hunter2@hooks.example.test/", lang="en")
    assert en.exit_code == 2 and "user name or password" in en.output and "hunter2" not in en.output
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0
    monkeypatch.setenv("NGHEDAN_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    ok = run("webhooks", "add", "http://127.0.0.1:9/hook", lang="en")
    assert ok.exit_code == 0, ok.output


def _only_delivery(sessions) -> NotificationDelivery:
    with sessions() as session:
        [d] = session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == "webhook")).all()
        session.expunge(d)
        return d


def _subscribe(sessions, clock, receiver, url, policy=LOOPBACK) -> None:
    with sessions() as session:
        _, receiver.secrets["/x"] = add_subscription(session, url, ["case.created"], now=clock.now(), policy=policy)
        session.commit()


def test_a_webhook_to_127_0_0_1_without_and_with_the_allow_list(world, sessions, clock, webhook_server,
                                                                notify_settings, rng):
    # Registered while loopback was allowed; the administrator then took it off the list.
    _subscribe(sessions, clock, webhook_server, webhook_server.url("/x"))
    world.new_case()
    strict = notify_settings.model_copy(update={"webhook_allowed_hosts": ""})
    run_once(sessions, strict, clock, rng=rng)
    assert webhook_server.received == []  # nothing was sent, so there is no answer to show
    d = _only_delivery(sessions)
    assert d.status == "dead" and d.response is None
    assert d.last_error.endswith("refused: 127.0.0.1 is a loopback address; allowed only if an administrator "
                                 "lists the host in NGHEDAN_WEBHOOK_ALLOWED_HOSTS")

    world.new_case()
    run_once(sessions, notify_settings, clock, rng=rng)  # 127.0.0.1 listed
    assert [(r.json["type"], r.signature_ok) for r in webhook_server.received] == [("case.created", True)]


def _fake_dns(monkeypatch, name: str, answers: list[list[str]], port: int) -> list[str]:
    """Answer ``name`` with the next list of addresses on each lookup (the last one
    repeats); every other name goes to the real resolver. Returns the lookups made."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != name:
            return real(host, *args, **kwargs)
        answer = answers[min(len(asked), len(answers) - 1)]
        asked.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (a, port) if ":" not in a else (a, port, 0, 0)) for a in answer]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize("answer", [["127.0.0.1"], ["93.184.216.34", "127.0.0.1"], ["::ffff:127.0.0.1"]])
def test_a_name_that_now_resolves_inside_is_refused_at_send_time(world, sessions, clock, webhook_server,
                                                                 notify_settings, rng, monkeypatch, answer):
    url = f"http://hooks.example.test:{webhook_server.port}/x"
    _subscribe(sessions, clock, webhook_server, url)  # a name: nothing to refuse before it is looked up
    asked = _fake_dns(monkeypatch, "hooks.example.test", [answer], webhook_server.port)
    world.new_case()
    run_once(sessions, notify_settings, clock, rng=rng)  # 127.0.0.1 listed, but not this name
    assert webhook_server.received == [] and asked == ["hooks.example.test"]
    d = _only_delivery(sessions)
    assert d.status == "dead" and "refused: hooks.example.test (" in d.last_error


def test_localhost_is_refused_at_send_time_by_what_it_resolves_to(world, sessions, clock, webhook_server,
                                                                  notify_settings, rng):
    with sessions() as session:  # written before registration checked anything
        session.add(WebhookSubscription(url=f"http://localhost:{webhook_server.port}/x", secret="whsec_x",
                                        event_types=["*"], active=True, created_at=clock.now()))
        session.commit()
    world.new_case()
    run_once(sessions, notify_settings, clock, rng=rng)
    assert webhook_server.received == []
    assert "loopback" in _only_delivery(sessions).last_error


def test_the_connection_goes_to_the_checked_address_without_a_second_lookup(world, sessions, clock, webhook_server,
                                                                            notify_settings, rng, monkeypatch):
    """DNS rebinding: the first answer is checked; a second lookup would get another
    address (127.0.0.2, where nothing listens). Only one lookup happens per send,
    and the request still names the host."""
    asked = _fake_dns(monkeypatch, "hooks.lan", [["127.0.0.1"], ["127.0.0.2"]], webhook_server.port)
    allowed = notify_settings.model_copy(update={"webhook_allowed_hosts": "hooks.lan"})
    _subscribe(sessions, clock, webhook_server, f"http://hooks.lan:{webhook_server.port}/x", allowed.webhook_policy)
    world.new_case()
    run_once(sessions, allowed, clock, rng=rng)
    assert asked == ["hooks.lan"]
    [got] = webhook_server.received
    assert got.headers["Host"] == f"hooks.lan:{webhook_server.port}" and got.signature_ok
    assert _only_delivery(sessions).status == "sent"


@pytest.fixture
def tls_webhook_server(tmp_path):  # type: ignore[no-untyped-def]
    """The receiver over HTTPS with a self-signed certificate for ``hooks.lan`` only."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=hooks.lan",
                    "-addext", "subjectAltName=DNS:hooks.lan"], check=True, capture_output=True)
    receiver = WebhookReceiver()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(receiver))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    receiver.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver, cert
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_https_checks_the_certificate_against_the_host_not_the_address(world, sessions, clock, tls_webhook_server,
                                                                        notify_settings, rng, monkeypatch):
    receiver, cert = tls_webhook_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the test's certificate is the one trusted
    _fake_dns(monkeypatch, "hooks.lan", [["127.0.0.1"]], receiver.port)
    allowed = notify_settings.model_copy(update={"webhook_allowed_hosts": "hooks.lan,127.0.0.1"})
    _subscribe(sessions, clock, receiver, f"https://hooks.lan:{receiver.port}/x", allowed.webhook_policy)
    world.new_case()
    run_once(sessions, allowed, clock, rng=rng)
    [got] = receiver.received
    assert got.signature_ok and _only_delivery(sessions).status == "sent"

    # The same server by its address: the certificate does not name it, so nothing is sent.
    with sessions() as session:
        session.execute(update(WebhookSubscription).values(url=f"https://127.0.0.1:{receiver.port}/x"))
        session.commit()
    world.new_case()
    run_once(sessions, allowed, clock, rng=rng)
    assert len(receiver.received) == 1
    with sessions() as session:
        failed = session.scalar(select(NotificationDelivery).where(NotificationDelivery.status != "sent"))
        assert "SSL" in failed.last_error or "certificate" in failed.last_error.lower()
