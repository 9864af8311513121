"""socket.io's Redis manager for several replicas, with a listener that does not go deaf.

python-socketio's AsyncRedisManager listens on its pub/sub channel with the options it publishes
with. Publishing needs a read timeout (a Redis that hangs must not hold a reply), but the listener
then times out whenever the channel is quiet that long and resubscribes a second later, and Redis
keeps nothing published meanwhile: measured with a 2 s timeout, 7 of 12 messages sent 2.4 s apart
were lost — an agent's reply to a merchant on another replica after a quiet moment. Here the
listener has no read timeout; TCP keepalive notices a dead link and the manager reconnects.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from socketio import AsyncRedisManager

# A silent dead link is noticed after about 10 + 3 × 5 s (Linux names; elsewhere the system's defaults).
_KEEPALIVE = {"TCP_KEEPIDLE": 10, "TCP_KEEPINTVL": 5, "TCP_KEEPCNT": 3}
KEEPALIVE = {getattr(socket, name): value for name, value in _KEEPALIVE.items() if hasattr(socket, name)}


class ReplicaMessages(AsyncRedisManager):
    """Publishes with timeouts; listens without a read timeout."""

    def _redis_connect(self) -> None:
        super()._redis_connect()
        if urlsplit(self.redis_url).scheme.endswith("+sentinel"):
            return  # sentinel setups keep python-socketio's own connection handling
        listening = {**self.redis_options, "socket_timeout": None, "socket_keepalive": True}
        listening["socket_keepalive_options"] = KEEPALIVE
        client = self._get_redis_module().Redis.from_url(self.redis_url, **listening)
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)


def replica_messages(redis_url: str, timeout_s: float) -> ReplicaMessages:
    return ReplicaMessages(redis_url, redis_options={"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s})
