"""The one way async code (Rasa's server, the action server) calls the blocking stores.

Each pool is bounded in threads and each call in time: a database that hangs costs a Chinese
apology after STORE_CALL_TIMEOUT_S, never the event loop. A call abandoned on timeout may still
finish in its thread; every store operation is safe to retry (idempotency keys, conditional
updates), which is what makes abandoning it acceptable.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from runtime.metrics import STORE_TIMEOUTS
from tickets.errors import StoreUnavailable

log = logging.getLogger(__name__)

STORE_CALL_TIMEOUT_S = 5.0  # actions answer within Rasa's patience (its lock is held meanwhile)
T = TypeVar("T")


class BlockingCalls:
    """A bounded thread pool for blocking calls, each abandoned after `timeout` seconds."""

    def __init__(self, name: str, *, workers: int, timeout: float = STORE_CALL_TIMEOUT_S) -> None:
        self.name = name
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in the pool; StoreUnavailable if it takes longer than the timeout."""
        work = asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))
        try:
            return await asyncio.wait_for(work, self.timeout)
        except asyncio.TimeoutError:
            STORE_TIMEOUTS.labels(self.name).inc()
            log.warning("%s call %s timed out after %.1fs", self.name, getattr(fn, "__name__", "?"), self.timeout)
            raise StoreUnavailable("工单系统响应超时，请稍后再试") from None

    def close(self, *, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait)
