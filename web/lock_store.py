"""Rasa's per-conversation lock, chosen by the environment like everything else: Redis when
ZX_REDIS_URL is set (several replicas must not run turns of one conversation at once), else in
this process's memory (one replica). endpoints.yml: `lock_store: {type: web.lock_store.ProjectLockStore}`.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

LOCK_DB_DEFAULT = 1  # Rasa's own default: locks apart from socket.io and rate-limit keys in db 0
KEY_PREFIX = "zhuxiao"
REDIS_TIMEOUT_S = 2.0


class ProjectLockStore(LockStore):
    """A factory in the shape Rasa loads from endpoints.yml (a class taking `endpoint_config`)."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        url = os.environ.get("ZX_REDIS_URL")
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        return RedisLockStore(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            db=int(parts.path.strip("/") or LOCK_DB_DEFAULT),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "rediss",
            key_prefix=KEY_PREFIX,
            socket_timeout=REDIS_TIMEOUT_S,  # a hung Redis costs a turn a notice, not 10 s of silence
        )
