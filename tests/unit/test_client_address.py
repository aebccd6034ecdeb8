"""Which address a request comes from: the peer, or behind a trusted proxy the rightmost hop of
X-Forwarded-For that no trusted proxy wrote (issue 25, part 8)."""

from __future__ import annotations

from ipaddress import ip_network

from api.common.client_address import TrustedProxies

PROXIES = TrustedProxies([ip_network("10.0.0.0/24"), ip_network("::1/128")])


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert TrustedProxies([]).client("127.0.0.1", "203.0.113.5") == "127.0.0.1"  # not even loopback
    assert PROXIES.client("198.51.100.7", "203.0.113.5") == "198.51.100.7"


def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    assert PROXIES.client("10.0.0.2", "198.51.100.1, 203.0.113.5") == "203.0.113.5"
    assert PROXIES.client("::1", "203.0.113.5, 10.0.0.3") == "203.0.113.5"
    assert PROXIES.client("10.0.0.2", "") == "10.0.0.2"
    assert PROXIES.client("10.0.0.2", "10.0.0.9") == "10.0.0.9"  # only proxies: the farthest one
    assert PROXIES.client("10.0.0.2", "203.0.113.5, not-an-address") == "10.0.0.2"  # a garbled hop
