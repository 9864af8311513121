"""The Redis lock store, as two replicas use it: one conversation's turns never overlap, however
the replicas' calls interleave (Rasa's own RedisLockStore lets two replicas take the same ticket)."""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from devtools.stack import redis_reachable
from tests.conftest import requires
from web.lock_store import KEY_PREFIX, AtomicRedisLockStore

REDIS_DB = 15
pytestmark = requires(redis_reachable(), "no Redis on 127.0.0.1:6379")

REPLICAS = 2
TABS_PER_REPLICA = 2  # two browser tabs of one merchant on each replica
TURNS_PER_TAB = 40
TICKET_LIFETIME_S = 5  # a lost ticket frees the queue in seconds, not Rasa's 60


@pytest.mark.timeout(120)
def test_turns_of_one_conversation_on_two_replicas_never_overlap():
    conversation = f"lock-test-{uuid.uuid4().hex}"
    tracker_key = f"{conversation}:tracker-length"
    shared = redis.Redis(db=REDIS_DB)
    overlaps = []

    async def tab(store: AtomicRedisLockStore) -> None:
        for _ in range(TURNS_PER_TAB):
            async with store.lock(conversation, TICKET_LIFETIME_S, wait_time_in_seconds=0.001):
                # A turn as Rasa runs it: read the tracker, work (other tasks run), save it.
                if shared.incr(f"{tracker_key}:inside") != 1:
                    overlaps.append(1)
                length = int(shared.get(tracker_key) or 0)
                await asyncio.sleep(0)
                shared.set(tracker_key, length + 1)
                shared.decr(f"{tracker_key}:inside")

    def replica() -> None:
        store = AtomicRedisLockStore(db=REDIS_DB, key_prefix=KEY_PREFIX)  # a connection of its own

        async def tabs() -> None:
            await asyncio.gather(*(tab(store) for _ in range(TABS_PER_REPLICA)))

        asyncio.run(tabs())

    try:
        with ThreadPoolExecutor(REPLICAS) as replicas:
            for running in [replicas.submit(replica) for _ in range(REPLICAS)]:
                running.result()  # a LockError in a replica fails the test
        assert not overlaps
        assert int(shared.get(tracker_key)) == REPLICAS * TABS_PER_REPLICA * TURNS_PER_TAB  # no turn lost
        assert not shared.keys(f"*{conversation}")  # the lock is gone once nobody waits
    finally:
        shared.delete(tracker_key, f"{tracker_key}:inside")
