"""Messages between replicas (socket.io over Redis pub/sub) arrive after a quiet moment too.

python-socketio's own manager, given the read timeout publishing needs, stops listening whenever
the channel is quiet that long and resubscribes a second later: what is published meanwhile is
lost (web/replica_messages.py). Here every message follows a quiet moment longer than the timeout.
"""

import asyncio
import uuid

import pytest
import redis.asyncio

from devtools.stack import redis_reachable
from tests.conftest import requires
from web.channel import REDIS_TIMEOUT_S
from web.replica_messages import replica_messages

REDIS_URL = "redis://127.0.0.1:6379/14"
MESSAGES = 5
pytestmark = requires(redis_reachable(), "no Redis on 127.0.0.1:6379")


@pytest.mark.timeout(60)
def test_every_message_after_a_quiet_moment_reaches_the_other_replica():
    async def scenario() -> list:
        listener = replica_messages(REDIS_URL, REDIS_TIMEOUT_S)
        listener.channel = f"replica-test-{uuid.uuid4().hex}"
        received: asyncio.Queue = asyncio.Queue()

        async def listen() -> None:
            async for data in listener._listen():  # the loop the manager runs on each replica
                await received.put(data)

        task = asyncio.create_task(listen())
        publisher = redis.asyncio.Redis.from_url(REDIS_URL)
        got = []
        try:
            while not (await publisher.pubsub_numsub(listener.channel))[0][1]:
                await asyncio.sleep(0.05)  # until the listener has subscribed
            for n in range(MESSAGES):
                await asyncio.sleep(REDIS_TIMEOUT_S * 1.5)  # a quiet channel, longer than the timeout
                await publisher.publish(listener.channel, f"message {n}")
                try:
                    got.append((await asyncio.wait_for(received.get(), 10)).decode())
                except asyncio.TimeoutError:
                    got.append(None)
        finally:
            task.cancel()
            await publisher.close()
        return got

    assert asyncio.run(scenario()) == [f"message {n}" for n in range(MESSAGES)]
