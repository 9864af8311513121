"""The one way async code (Rasa's server, the action server) makes blocking calls: the stores, the
tracker store, the rate limits' Redis.

Each pool is bounded in threads and each call in time: a database that hangs costs a Chinese
apology after CALL_TIMEOUT_S, never the event loop. A call abandoned on timeout may still finish in
its thread; every store operation is safe to retry (idempotency keys, conditional updates), which is
what makes abandoning it acceptable.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

from runtime.metrics import STORE_TIMEOUTS

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 5.0  # actions answer within Rasa's patience (its lock is held meanwhile)
T = TypeVar("T")


class CallTimedOut(TimeoutError):
    """A blocking call took longer than its pool's time limit."""

    def __init__(self) -> None:
        super().__init__("服务响应超时，请稍后再试")


class BlockingCalls:
    """A bounded thread pool for blocking calls, each abandoned after `timeout` seconds.

    `timeout_error` makes what a timed-out call raises: the caller's own exception (the back office
    passes tickets.errors.StoreTimedOut, which its callers already answer in Chinese)."""

    def __init__(
        self,
        name: str,
        *,
        workers: int,
        timeout: float = CALL_TIMEOUT_S,
        timeout_error: Optional[Callable[[], Exception]] = None,
    ) -> None:
        self.name = name
        self.timeout = timeout
        self._timeout_error = timeout_error or CallTimedOut
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in the pool; `timeout_error()` raised if it takes longer than the timeout."""
        work = asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))
        try:
            return await asyncio.wait_for(work, self.timeout)
        except asyncio.TimeoutError:
            STORE_TIMEOUTS.labels(self.name).inc()
            log.warning("%s call %s timed out after %.1fs", self.name, getattr(fn, "__name__", "?"), self.timeout)
            raise self._timeout_error() from None

    def close(self, *, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait)
