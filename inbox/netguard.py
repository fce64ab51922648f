"""Server-side downloads: only Meta's media hosts over https, never an address inside the network.

Every download the server makes from a URL it did not build itself goes through `GuardedHttp`:
- the URL must be https on port 443 to one of Meta's media hosts (`host_allowed`);
- redirects are followed by hand, at most `MAX_REDIRECTS`, each hop checked like the first;
- the connector refuses, after DNS and on every connection (the resolver and the socket
  factory both check), loopback, private, link-local, multicast, reserved, shared (CGNAT) and
  cloud-metadata addresses (`address_allowed`).

The operator's own Graph origin (META_GRAPH_URL: scheme, host and port) is trusted as
configured, as the Graph client already is: links on it are fetched without the host and
address rules, so a fake Graph on http://127.0.0.1 (tests) or a staging proxy keeps working.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

MAX_REDIRECTS = 3
# Where Meta serves message media: Messenger (scontent.*.fbcdn.net, cdn.fbsbx.com), Instagram
# (lookaside.fbsbx.com/ig_messaging_cdn, *.cdninstagram.com), WhatsApp (lookaside.fbsbx.com,
# mmg.whatsapp.net), and the Graph hosts themselves.
META_MEDIA_HOSTS = frozenset(
    {"graph.facebook.com", "graph.instagram.com", "lookaside.facebook.com", "lookaside.fbsbx.com"}
)
META_MEDIA_DOMAINS = ("fbcdn.net", "fbsbx.com", "cdninstagram.com", "whatsapp.net")

_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",  # shared address space (CGNAT); Alibaba's metadata is 100.100.100.200
        "192.0.0.0/24",  # IETF assignments; Oracle's metadata is 192.0.0.192
        "198.18.0.0/15",
        "224.0.0.0/3",  # multicast, reserved and broadcast
        "64:ff9b:1::/48",
        "fc00::/7",  # unique local; AWS's IPv6 metadata is fd00:ec2::254
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_Origin = tuple[str, str, int]


class Refused(Exception):
    """A URL or address the server will not fetch from; the message says why in a few words."""


class BlockedAddress(OSError):
    """A connection to an address inside the network was refused."""


def address_allowed(address: str) -> bool:
    """True only for a public unicast address (IPv4 inside IPv6 forms is checked too)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and not address_allowed(str(inner)):
            return False
    if not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local:
        return False
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    return not any(ip.version == net.version and ip in net for net in _BLOCKED_NETWORKS)


def host_allowed(host: str) -> bool:
    """True for one of Meta's media hosts (exact, or under one of its media domains)."""
    host = host.lower().rstrip(".")
    return host in META_MEDIA_HOSTS or any(
        host == domain or host.endswith("." + domain) for domain in META_MEDIA_DOMAINS
    )


def origin(url: str | URL) -> _Origin | None:
    """(scheme, host, port) of an absolute http(s) URL, else None."""
    try:
        parsed = URL(url) if isinstance(url, str) else url
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host or parsed.port is None:
        return None
    return parsed.scheme, parsed.raw_host.lower().rstrip("."), parsed.port


def check_url(url: str | URL, trusted: Iterable[str] = ()) -> bool:
    """True for a trusted origin, False for an allowed Meta media link; Refused otherwise."""
    found = origin(url)
    if found is None:
        raise Refused("not an http(s) link")
    if found in {origin(t) for t in trusted}:
        return True
    scheme, host, port = found
    parsed = URL(url) if isinstance(url, str) else url
    if scheme != "https" or port != 443:
        raise Refused("only https links are downloaded")
    if parsed.user or parsed.password:
        raise Refused("links with credentials are not downloaded")
    if not host_allowed(host):
        raise Refused(f"{host} is not one of Meta's media hosts")
    return False


def _parse(url: str) -> URL:
    try:
        return URL(url)
    except ValueError as exc:
        raise Refused("not a valid link") from exc


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp's default, then refuses a name with any address inside."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The inner resolver's answer, or BlockedAddress."""
        hosts = await self._inner.resolve(host, port, family)
        for found in hosts:
            if not address_allowed(found["host"]):
                raise BlockedAddress(f"{host} resolves to {found['host']}, inside the network")
        return hosts

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()


def _guarded_socket(addr_info: tuple[Any, ...]) -> socket.socket:
    family, kind, proto, _, address = addr_info
    if not address_allowed(str(address[0])):
        raise BlockedAddress(f"refused to connect to {address[0]}, inside the network")
    return socket.socket(family=family, type=kind, proto=proto)


def guarded_connector(resolver: AbstractResolver | None = None) -> aiohttp.TCPConnector:
    """A connector that checks every address it resolves and every one it connects to."""
    return aiohttp.TCPConnector(resolver=GuardedResolver(resolver), socket_factory=_guarded_socket)


class GuardedHttp:
    """Downloads under the rules above: a guarded session, and a plain one for trusted origins."""

    def __init__(
        self, timeout: aiohttp.ClientTimeout, *, resolver: AbstractResolver | None = None
    ) -> None:
        self._guarded = aiohttp.ClientSession(
            timeout=timeout, connector=guarded_connector(resolver), trust_env=False
        )
        self._trusted = aiohttp.ClientSession(timeout=timeout, trust_env=False)

    async def close(self) -> None:
        """Close both sessions."""
        await self._guarded.close()
        await self._trusted.close()

    async def __aenter__(self) -> GuardedHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def get(
        self, url: str, *, token: str | None = None, trusted: Iterable[str] = ()
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """GET a checked URL; the bearer token goes only to the first origin; Refused if not."""
        trusted = tuple(trusted)
        target, first = _parse(url), origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            session = self._trusted if check_url(target, trusted) else self._guarded
            same = token and origin(target) == first
            headers = {"Authorization": f"Bearer {token}"} if same else {}
            response = await session.get(target, headers=headers, allow_redirects=False)
            location = response.headers.get("Location")
            if response.status in _REDIRECTS and location:
                response.release()
                target = response.url.join(_parse(location))
                continue
            try:
                yield response
            finally:
                response.release()
            return
        raise Refused(f"more than {MAX_REDIRECTS} redirects")
