"""Rasa's per-conversation lock, chosen by the environment like everything else: Redis when
ZX_REDIS_URL is set (several replicas must not run turns of one conversation at once), else in
this process's memory (one replica, where Rasa's lock calls cannot interleave).
endpoints.yml: `lock_store: {type: web.lock_store.ProjectLockStore}`.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator, Text
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from redis.exceptions import LockNotOwnedError

from runtime.settings import settings

log = logging.getLogger(__name__)
LOCK_DB_DEFAULT = 1  # Rasa's own default: locks apart from socket.io and rate-limit keys in db 0
KEY_PREFIX = "zhuxiao"
REDIS_TIMEOUT_S = 2.0
# The mutex guards a few Redis round trips: held for milliseconds, so a short expiry and a short
# poll suffice. Rasa calls the lock store on the event loop (as its own RedisLockStore does), so a
# wait here holds the loop: at most MUTEX_WAIT_S, and only after a replica died holding the mutex.
MUTEX_EXPIRY_S = 5.0
MUTEX_WAIT_S = 2.0
MUTEX_POLL_S = 0.002


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore reads a conversation's ticket lock, changes it and writes it back in
    separate calls. Two replicas taking a ticket at the same moment both get the same number and run
    their turns together; the second tracker save then drops the first turn's events (a lost
    message). Rasa OSS 3.6 has no fix (RasaHQ/rasa#11256 went to Rasa Pro). Here every read-change-
    write of a lock runs under a per-conversation Redis mutex (SET NX with expiry, released by
    redis-py's compare-and-delete script); the ticket queue itself, and its order, stay Rasa's."""

    @contextmanager
    def _exclusive(self, conversation_id: Text) -> Iterator[None]:
        mutex = self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex",
            timeout=MUTEX_EXPIRY_S,
            sleep=MUTEX_POLL_S,
            blocking_timeout=MUTEX_WAIT_S,
        )
        if not mutex.acquire():
            raise LockError(f"the ticket lock of a conversation stayed busy for {MUTEX_WAIT_S} s")
        try:
            yield
        finally:
            try:
                mutex.release()
            except LockNotOwnedError:  # it expired (a Redis slower than the expiry): the work is done
                log.warning("a conversation's lock mutex expired before it was released")

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._exclusive(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._exclusive(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # One mutex over "finish my ticket, delete the lock if nobody waits": a ticket issued in
        # between would otherwise be deleted with the lock.
        with self._exclusive(conversation_id):
            super().cleanup(conversation_id, ticket_number)


class ProjectLockStore(LockStore):
    """A factory in the shape Rasa loads from endpoints.yml (a class taking `endpoint_config`)."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        url = settings().stores.redis_url
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        return AtomicRedisLockStore(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            db=int(parts.path.strip("/") or LOCK_DB_DEFAULT),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "rediss",
            key_prefix=KEY_PREFIX,
            socket_timeout=REDIS_TIMEOUT_S,  # a hung Redis costs a turn a notice, not 10 s of silence
        )
