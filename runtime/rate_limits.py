"""Rate limits, with the `limits` library: in this process's memory, or in Redis when ZX_REDIS_URL
is set (several replicas share the counters).

Every rule has a default and an environment variable (ZX_LIMIT_<RULE>, e.g.
ZX_LIMIT_MESSAGES_PER_CONVERSATION="20/minute"), declared in runtime/settings.py (Limits) and
checked when the process starts. Redis calls go through a small bounded pool, so a
slow Redis never holds the event loop (counters in memory are counted in place); if the counters
cannot be reached, the request is let through and a warning logged — limits protect the service,
they must not become its outage.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from dataclasses import fields
from typing import Dict, Optional

from limits import RateLimitItem
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from runtime.calls import BlockingCalls
from runtime.metrics import RATE_LIMITED
from runtime.settings import Limits, settings

log = logging.getLogger(__name__)

# rule → its default (declared with the rules in runtime/settings.py; docs/security.md explains them)
DEFAULTS: Dict[str, str] = {spec.name: spec.metadata["default"] for spec in fields(Limits)}
LIMITER_TIMEOUT_S = 1.0


def rule(name: str) -> RateLimitItem:
    return getattr(settings().limits, name)


def client_key(secret: bytes, address: Optional[str]) -> str:
    """A stable, non-reversible name for a client address (addresses are personal data). An IPv6
    client counts by its /64: a phone or a home is given a whole /64 and may use any address in it."""
    return hmac.new(secret, _counted_as(address or "?").encode(), hashlib.sha256).hexdigest()[:16]


def _counted_as(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimits:
    def __init__(self, storage_uri: Optional[str] = None, rules: Optional[Limits] = None) -> None:
        config = settings()
        self.rules = rules or config.limits
        uri = storage_uri or config.stores.redis_url or "memory://"
        options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if uri.startswith("redis") else {}
        self.storage: Storage = storage_from_string(uri, **options)
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._in_memory = uri.startswith("memory")  # microseconds: a thread hop would cost more
        self._calls = BlockingCalls("rate-limits", workers=2, timeout=LIMITER_TIMEOUT_S)

    async def hit(self, name: str, *keys: str) -> bool:
        """Count one event under `name` for `keys`; False when the limit is already reached."""
        allowed = await self._ask(self._limiter.hit, name, keys)
        if not allowed:
            RATE_LIMITED.labels(name).inc()
        return allowed

    async def allows(self, name: str, *keys: str) -> bool:
        """Whether one more event would be allowed, without counting it."""
        return await self._ask(self._limiter.test, name, keys)

    async def _ask(self, method, name: str, keys: tuple) -> bool:
        try:
            if self._in_memory:
                return method(getattr(self.rules, name), name, *keys)
            return await self._calls.run(method, getattr(self.rules, name), name, *keys)
        except Exception as error:  # the counters are unreachable: let it through, loudly
            log.warning("rate limit %s not checked: %s", name, type(error).__name__)
            return True

    def reset(self) -> None:
        self.storage.reset()


_limits: Optional[RateLimits] = None


def rate_limits() -> RateLimits:
    """This process's limits (one per process, made on first use)."""
    global _limits
    if _limits is None:
        _limits = RateLimits()
    return _limits
