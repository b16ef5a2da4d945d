"""The webhook's connection: to an address the address policy checked, never to a
name resolved a second time.

``http.client`` would resolve the URL's host itself when it connects, after our
check (a DNS answer can change in between: rebinding). So the policy resolves once
and checks every address, and the connection here opens a socket to those addresses
only, while the request still names the host (``Host`` header, TLS SNI and
certificate check against the host name). Redirects are never followed: a 3xx is an
answer like any other non-2xx.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Any

from engine.address_policy import AddressPolicy, RefusedTarget, ResolvedTarget

from .channels import SendError

__all__ = ["checked_connection"]


def _open(addresses: tuple[tuple[int, tuple[Any, ...]], ...], timeout: float | None) -> socket.socket:
    last: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as err:
            sock.close()
            last = err
    raise last or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, resolved: ResolvedTarget, timeout: float) -> None:
        super().__init__(resolved.target.host, resolved.target.port, timeout=timeout)
        self._addresses = resolved.addresses

    def connect(self) -> None:
        self.sock = _open(self._addresses, self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, resolved: ResolvedTarget, timeout: float) -> None:
        super().__init__(resolved, timeout)
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self.host)


def checked_connection(policy: AddressPolicy, url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection (not yet open) to ``url``'s checked addresses, and the request
    path. A refused target is a permanent failure that says only why it was refused
    (nothing was sent to it, so there is no answer of its to show); a name that does
    not resolve is a failed attempt, retried."""
    try:
        resolved = policy.resolve(url)
    except RefusedTarget as err:
        raise SendError(f"refused: {err.en}", permanent=True) from None
    except OSError as err:
        raise SendError(f"cannot resolve the webhook's host: {type(err).__name__}") from None
    cls = _PinnedHTTPSConnection if resolved.target.scheme == "https" else _PinnedHTTPConnection
    return cls(resolved, timeout), resolved.target.path
