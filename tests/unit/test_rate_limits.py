"""The rate limits count per key, let through when their store is unreachable, and read their
rules from the environment."""

import asyncio

import pytest

from runtime.rate_limits import DEFAULTS, RateLimits, client_key, rule


def test_a_rule_counts_per_key_and_refuses_past_its_limit(monkeypatch):
    monkeypatch.setenv("ZX_LIMIT_HANDOFFS_PER_CLIENT", "3/minute")
    limits = RateLimits("memory://")

    async def scenario():
        hits = [await limits.hit("handoffs_per_client", "a") for _ in range(4)]
        other = await limits.hit("handoffs_per_client", "b")
        return hits, other, await limits.allows("handoffs_per_client", "a")

    assert asyncio.run(scenario()) == ([True, True, True, False], True, False)


def test_unreachable_counters_let_requests_through():
    limits = RateLimits("redis://127.0.0.1:1/0")  # nothing listens there
    assert asyncio.run(limits.hit("messages_per_client", "a")) is True


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_default_rule_parses(name):
    assert rule(name).amount > 0


def test_client_keys_name_addresses_without_showing_them():
    key = client_key(b"s" * 32, "198.51.100.2")
    assert key == client_key(b"s" * 32, "198.51.100.2") and "198" not in key and len(key) == 16
    assert key != client_key(b"t" * 32, "198.51.100.2")


def test_an_ipv6_client_counts_by_its_slash_64():
    secret = b"s" * 32
    home = client_key(secret, "2408:8456:3c01:1a2b::1")
    assert client_key(secret, "2408:8456:3c01:1a2b:dead:beef:0:7") == home  # another address of the same /64
    assert client_key(secret, "2408:8456:3c01:1a2c::1") != home  # the next /64 is someone else
    assert client_key(secret, "::ffff:198.51.100.2") == client_key(secret, "198.51.100.2")
