"""inbox.netguard: which addresses, hosts and links a server-side download may reach."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer

from inbox.netguard import (
    BlockedAddress,
    GuardedHttp,
    Refused,
    address_allowed,
    check_url,
    guarded_connector,
    host_allowed,
)
from tests.fakes.internal import Internal

INSIDE = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # AWS, GCP, Azure metadata
    "169.254.170.2",  # ECS task metadata
    "100.100.100.200",  # Alibaba metadata (shared address space)
    "192.0.0.192",  # Oracle metadata
    "0.0.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fd00:ec2::254",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "fec0::1",
    "not-an-address",
    "",
]
OUTSIDE = ["157.240.0.35", "31.13.64.35", "8.8.8.8", "2a03:2880:f12f:83:face:b00c:0:25de"]


@pytest.mark.parametrize("address", INSIDE)
def test_addresses_inside_the_network_are_refused(address: str) -> None:
    assert address_allowed(address) is False


@pytest.mark.parametrize("address", OUTSIDE)
def test_public_unicast_addresses_are_allowed(address: str) -> None:
    assert address_allowed(address) is True


@pytest.mark.parametrize(
    "host",
    [
        "scontent.xx.fbcdn.net",
        "scontent-cdg4-1.xx.fbcdn.net",
        "cdn.fbsbx.com",
        "lookaside.fbsbx.com",
        "scontent.cdninstagram.com",
        "mmg.whatsapp.net",
        "graph.facebook.com",
        "LOOKASIDE.FBSBX.COM.",
    ],
)
def test_meta_media_hosts_are_allowed(host: str) -> None:
    assert host_allowed(host) is True


@pytest.mark.parametrize(
    "host",
    [
        "fbcdn.net.attacker.example",
        "evilfbcdn.net",
        "facebook.com",
        "graph.facebook.com.attacker.example",
        "localhost",
        "127.0.0.1",
        "metadata.google.internal",
        "169.254.169.254",
    ],
)
def test_other_hosts_are_refused(host: str) -> None:
    assert host_allowed(host) is False


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://scontent.xx.fbcdn.net/v/photo.jpg", "only https"),
        ("https://scontent.xx.fbcdn.net:8443/v/photo.jpg", "only https"),
        ("https://user:pw@scontent.xx.fbcdn.net/v/photo.jpg", "credentials"),
        ("https://169.254.169.254/latest/meta-data/", "not one of Meta's media hosts"),
        ("https://internal.example/secret", "not one of Meta's media hosts"),
        ("http://127.0.0.1:8080/admin", "only https"),
        ("ftp://cdn.fbsbx.com/file", "not an http"),
        ("/relative/path", "not an http"),
    ],
)
def test_links_off_meta_media_hosts_are_refused(url: str, why: str) -> None:
    with pytest.raises(Refused, match=why):
        check_url(url, trusted=["http://127.0.0.1:9999/v21.0"])


def test_the_operators_graph_origin_is_trusted_as_configured_and_nothing_else() -> None:
    graph = "http://127.0.0.1:9999/v21.0"
    assert check_url("http://127.0.0.1:9999/wa-bin/1/content", trusted=[graph]) is True
    assert check_url("https://lookaside.fbsbx.com/whatsapp_business/x", trusted=[graph]) is False
    with pytest.raises(Refused):  # same host, another port: not the operator's Graph
        check_url("http://127.0.0.1:9998/wa-bin/1/content", trusted=[graph])
    with pytest.raises(Refused):
        check_url("https://127.0.0.1:9999/wa-bin/1/content", trusted=[graph])


async def test_the_connector_refuses_an_inside_address_at_the_socket(internal: Internal) -> None:
    """Even a URL no check looked at (a literal IP, no DNS) cannot connect inside."""
    async with aiohttp.ClientSession(connector=guarded_connector()) as http:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await http.get(internal.url("/admin"))
    assert isinstance(caught.value.os_error, BlockedAddress)
    assert internal.hits == []


class Rebinding(AbstractResolver):
    """DNS that answers an allowed Meta host name with a loopback address."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


async def test_a_meta_host_name_resolving_inside_is_refused_after_dns() -> None:
    dns = Rebinding()
    async with GuardedHttp(aiohttp.ClientTimeout(total=10), resolver=dns) as http:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            async with http.get("https://scontent.xx.fbcdn.net/v/photo.jpg"):
                pass
    assert dns.asked == ["scontent.xx.fbcdn.net"]
    assert isinstance(caught.value.os_error, BlockedAddress)


async def test_a_redirect_is_checked_like_the_first_link(internal: Internal) -> None:
    """The trusted Graph origin redirecting inside: the hop is refused, never requested."""
    target = internal.url("/latest/meta-data/")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(target)

    app = web.Application()
    app.router.add_get("/v21.0/media", redirect)
    graph = TestServer(app, host="127.0.0.1")
    await graph.start_server()
    try:
        async with GuardedHttp(aiohttp.ClientTimeout(total=10)) as http:
            with pytest.raises(Refused, match="only https"):
                async with http.get(
                    str(graph.make_url("/v21.0/media")),
                    token="EAA-secret",
                    trusted=[str(graph.make_url("/v21.0"))],
                ):
                    pass
    finally:
        await graph.close()
    assert internal.hits == []


async def test_the_token_is_not_carried_to_another_origin_by_a_redirect() -> None:
    seen: list[str | None] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.Response(body=b"ok")

    other_app = web.Application()
    other_app.router.add_get("/bytes", elsewhere)
    other = TestServer(other_app, host="127.0.0.1")
    await other.start_server()

    async def first(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        raise web.HTTPFound(str(other.make_url("/bytes")))

    app = web.Application()
    app.router.add_get("/v21.0/media", first)
    graph = TestServer(app, host="127.0.0.1")
    await graph.start_server()
    try:
        trusted = [str(graph.make_url("/v21.0")), str(other.make_url("/"))]
        async with GuardedHttp(aiohttp.ClientTimeout(total=10)) as http:
            async with http.get(
                str(graph.make_url("/v21.0/media")), token="EAA-secret", trusted=trusted
            ) as response:
                assert await response.read() == b"ok"
    finally:
        await graph.close()
        await other.close()
    assert seen == ["Bearer EAA-secret", None]
