"""Where an outgoing request (a webhook) may go: the one rule, asked when a target is
registered and again, against the addresses the name resolves to, when it is sent.

The worker runs inside the deployment's network, so a target it is told to POST to
must not be the machine itself, the local network or a cloud metadata service unless
an administrator listed the host (``NGHEDAN_WEBHOOK_ALLOWED_HOSTS``). Refused:

* loopback, private (RFC 1918, ULA, site-local, CGNAT), link-local, multicast, unspecified,
  reserved and every other non-global address, also when written as an IPv6 form
  that embeds an IPv4 address (``::ffff:127.0.0.1``, NAT64, 6to4);
* IPv4 written in a legacy spelling (``2130706433``, ``0177.0.0.1``, ``0x7f.1``):
  parsers disagree on them, so no check of ours can be sure what a resolver makes
  of them;
* ``localhost`` names, and a URL with a user name or password in it (it would be
  stored and listed in the clear, and the channel never sends it anyway).

Registration checks the URL as written (no DNS lookup: a name may not resolve yet,
and would be re-checked anyway); :meth:`AddressPolicy.resolve` looks the name up once,
checks every address it returned, and hands back exactly those addresses, so the
caller connects to what was checked and never resolves again (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

__all__ = ["AddressPolicy", "RefusedTarget", "Target", "ResolvedTarget", "parse_allowed_hosts"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]

_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
# (test, Vietnamese, English), first match names the refusal.
_KINDS: tuple[tuple[Callable[[IPAddress], bool], str, str], ...] = (
    (lambda ip: ip.is_loopback, "địa chỉ của chính máy chủ (loopback)", "a loopback address"),
    (lambda ip: ip.is_unspecified, "địa chỉ không xác định", "an unspecified address"),
    (lambda ip: ip.is_link_local, "địa chỉ liên kết cục bộ (link-local)", "a link-local address"),
    (lambda ip: ip.is_multicast, "địa chỉ multicast", "a multicast address"),
    (lambda ip: ip.is_private or getattr(ip, "is_site_local", False), "địa chỉ mạng nội bộ",
     "a private address"),
    (lambda ip: ip.is_reserved, "địa chỉ dành riêng", "a reserved address"),
    (lambda ip: not ip.is_global, "địa chỉ không công cộng", "not a public address"),
)


class RefusedTarget(ValueError):
    """The target may not be used; ``vi`` and ``en`` say why."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


@dataclass(frozen=True)
class Target:
    """A URL that passed the checks that need no DNS."""

    scheme: str
    host: str  # lower case, no brackets, no trailing dot
    port: int
    path: str  # path and query, as sent in the request line
    allowed: bool  # listed by an administrator: its addresses are not checked
    address: IPAddress | None  # the host when it is an address literal


@dataclass(frozen=True)
class ResolvedTarget:
    target: Target
    # getaddrinfo's (family, sockaddr) of every checked address, in its order.
    addresses: tuple[tuple[int, tuple[Any, ...]], ...]


def parse_allowed_hosts(value: str | Iterable[str]) -> frozenset[str]:
    """The setting's hosts (comma or space separated), normalised like a URL's host."""
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else list(value)
    return frozenset(_normal_host(item) for item in items if item.strip())


def _normal_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))  # one spelling per address: "::1" == "0::1"
    except ValueError:
        return host


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress) -> tuple[str, str] | None:
    """Why ``ip`` may not be a target without the allow-list, or None."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        inner = refusal(embedded)
        if inner is not None:
            return inner
    for test, vi, en in _KINDS:
        if test(ip):
            return vi, en
    return None


def _legacy_ipv4(host: str) -> bool:
    """True for a host that a C resolver reads as IPv4 but is not dotted decimal."""
    if not re.fullmatch(r"[0-9a-fx.]+", host) or not re.search(r"[0-9]", host):
        return False
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return True
    return False


def _scrubbed(url: str) -> str:
    """The URL for an error message, without anything before an ``@``."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}"[:100]


@dataclass(frozen=True)
class AddressPolicy:
    allowed_hosts: frozenset[str] = frozenset()
    # None: the system's resolver, looked up when called (tests replace it there).
    resolver: Resolver | None = None

    def check_url(self, url: str) -> Target:
        """The checks a URL must pass before any lookup; raises RefusedTarget."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise RefusedTarget("địa chỉ không đọc được", f"not a valid URL: {_scrubbed(url)}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RefusedTarget("phải là địa chỉ http(s)", f"not an http(s) URL: {_scrubbed(url)}")
        if "@" in parts.netloc:
            raise RefusedTarget("không được chứa tên người dùng hay mật khẩu (user:pass@)",
                                "must not carry a user name or password (user:pass@)")
        host = _normal_host(parts.hostname)
        if _legacy_ipv4(host):
            raise RefusedTarget(f"địa chỉ IPv4 “{host[:40]}” phải viết dạng a.b.c.d",
                                f"the IPv4 address “{host[:40]}” must be written as a.b.c.d")
        address: IPAddress | None
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
            if not _HOSTNAME.match(host):
                raise RefusedTarget(f"tên máy “{host[:40]}” không hợp lệ",
                                    f"invalid host name “{host[:40]}”")
        allowed = host in self.allowed_hosts
        if not allowed:
            if address is not None:
                self._refuse_address(host, address)
            elif host == "localhost" or host.endswith(".localhost"):
                self._refuse_address(host, ipaddress.ip_address("127.0.0.1"))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default = 443 if parts.scheme == "https" else 80
        return Target(scheme=parts.scheme, host=host, port=port or default, path=path, allowed=allowed,
                      address=address)

    def resolve(self, url: str) -> ResolvedTarget:
        """Check ``url``, look its host up once and check every address returned.
        Raises RefusedTarget, or OSError when the name does not resolve (try later)."""
        target = self.check_url(url)
        if target.address is not None:
            family = socket.AF_INET6 if target.address.version == 6 else socket.AF_INET
            sockaddr: tuple[Any, ...] = (str(target.address), target.port) if family == socket.AF_INET \
                else (str(target.address), target.port, 0, 0)
            return ResolvedTarget(target, ((family, sockaddr),))
        resolver = self.resolver or socket.getaddrinfo
        infos = resolver(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        addresses = tuple((family, sockaddr) for family, _type, _proto, _name, sockaddr in infos
                          if family in (socket.AF_INET, socket.AF_INET6))
        if not addresses:
            raise OSError(f"{target.host} has no address")
        if not target.allowed:
            for _family, sockaddr in addresses:
                self._refuse_address(target.host, ipaddress.ip_address(str(sockaddr[0]).split("%")[0]))
        return ResolvedTarget(target, addresses)

    def _refuse_address(self, host: str, ip: IPAddress) -> None:
        why = refusal(ip)
        if why is None:
            return
        shown = host if host == str(ip) else f"{host} ({ip})"
        raise RefusedTarget(
            f"{shown[:80]} là {why[0]}; chỉ gửi tới đó được khi quản trị viên thêm tên máy vào "
            "NGHEDAN_WEBHOOK_ALLOWED_HOSTS",
            f"{shown[:80]} is {why[1]}; allowed only if an administrator lists the host in "
            "NGHEDAN_WEBHOOK_ALLOWED_HOSTS")
