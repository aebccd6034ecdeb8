"""Who the client is: the socket's peer, unless that peer is a reverse proxy named in the settings.

`X-Forwarded-For` is written by whoever sends the request, so believing it from anyone lets a
client be whoever it likes: the sign-in lockout, counted per client, was bypassed by sending a
new address with each try. It is believed only when the immediate peer is one of
`CALLQA_TRUSTED_PROXIES` (none by default, not even loopback), and then read from the right:
each trusted proxy appends the address it received from, so the rightmost hop that is not a
trusted proxy is the last address nobody on the client's side could choose. A trusted proxy's
`X-Forwarded-Proto` gives the scheme the browser used (TLS ended at the proxy).

Uvicorn's own `proxy_headers` is turned off wherever it runs (`callqa serve`): it trusts
loopback by default and rewrites the peer before the application could see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

Network = IPv4Network | IPv6Network
SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class TrustedProxies:
    networks: Sequence[Network]

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str) -> str:
        """The client's address: the peer itself unless it is trusted, else the rightmost hop
        of the header that is not a trusted proxy (a hop that is no address ends the walk)."""
        if not self.trusts(peer):
            return peer
        client = peer
        for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
            if _address(hop) is None:
                break
            client = hop
            if not self.trusts(hop):
                break
        return client


def _address(host: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


class ForwardedClient:
    """Puts the client's real address (and scheme) in the ASGI scope, for every later reader:
    the sign-in lockout, the logs, the pages' origin check."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] == "http" and peer and self.proxies.trusts(peer[0]):
            headers = Headers(scope=scope)
            client = self.proxies.client(peer[0], headers.get("x-forwarded-for", ""))
            scheme = headers.get("x-forwarded-proto", "").strip().lower()
            scope = {
                **scope,
                "client": (client, 0 if client != peer[0] else peer[1]),
                "scheme": scheme if scheme in SCHEMES else scope["scheme"],
            }
        await self.app(scope, receive, send)
