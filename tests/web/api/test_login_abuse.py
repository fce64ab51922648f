"""A stranger cannot lock a known account, nor pick the address they are throttled under."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, make_mocked_request
from multidict import CIMultiDict

from inbox.models import LoginAttempt
from inbox.services.sessions import throttle
from tests.factories import make_user, make_workspace
from web.api.common import client_address

PASSWORD = "correct horse"


async def _login(client: TestClient, password: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    body = {"email": "ana@example.com", "password": password}
    response = await client.post("/api/auth/login", json=body, headers=headers)
    return response.status


async def test_a_strangers_guesses_do_not_lock_the_owner_out(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")  # two clients behind our proxy
    stranger, owner = "198.51.100.66", "203.0.113.5"

    for _ in range(throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS):
        assert await _login(client, "guess", stranger) == 401
    assert await _login(client, PASSWORD, stranger) == 429  # the stranger is locked out

    assert await _login(client, PASSWORD, owner) == 200  # the owner is not


async def test_a_direct_client_cannot_choose_its_address_with_x_forwarded_for(
    client: TestClient,
) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    limit = throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS
    for n in range(limit):
        assert await _login(client, "guess", f"192.0.2.{n}") == 401

    assert await _login(client, "guess", "192.0.2.200") == 429
    assert set(await LoginAttempt.all().values_list("address", flat=True)) == {"127.0.0.1"}


def _address(peer: str, *lines: str) -> str:
    headers = CIMultiDict(("X-Forwarded-For", line) for line in lines)
    request = make_mocked_request("POST", "/api/auth/login", headers=headers)
    return client_address(request.clone(remote=peer))


@pytest.mark.parametrize(
    ("hops", "lines", "seen"),
    [
        ("0", ["198.51.100.1"], "10.0.0.2"),  # direct: the header is never read
        ("", ["198.51.100.1, 203.0.113.7"], "10.0.0.2"),
        ("1", ["198.51.100.1, 203.0.113.7"], "203.0.113.7"),  # spoof + what nginx appended
        ("1", ["198.51.100.1", "203.0.113.7"], "203.0.113.7"),  # the proxy's own header line
        ("2", ["198.51.100.1, 203.0.113.7"], "198.51.100.1"),
        ("3", ["198.51.100.1, 203.0.113.7"], "10.0.0.2"),  # fewer entries than proxies
        ("1", ["198.51.100.1, not-an-address"], "10.0.0.2"),
        ("1", ["2001:DB8::1"], "2001:db8::1"),
        ("one", ["198.51.100.1"], "10.0.0.2"),
    ],
)
def test_client_address_trusts_only_what_our_proxies_appended(
    monkeypatch: pytest.MonkeyPatch, hops: str, lines: list[str], seen: str
) -> None:
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", hops)
    assert _address("10.0.0.2", *lines) == seen


def test_ipv6_addresses_count_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert throttle.address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert throttle.address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert throttle.address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert throttle.address_key("192.0.2.7") == "192.0.2.7"
    assert throttle.address_key("unknown") == "unknown"
