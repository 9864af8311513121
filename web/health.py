"""Liveness and readiness of the Rasa server, for the load balancer and Kubernetes.

/healthz: the process answers. /readyz: it can serve a merchant — the model is loaded, the
database and (when configured) Redis answer, and the action server answers its own /healthz.
Both say only which check failed, never why in detail (no addresses, no driver messages).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Dict, Text, Tuple
from urllib.parse import urlsplit

import aiohttp
import redis
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from runtime.settings import settings
from web.http_util import json_reply

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 2.0

health = Blueprint("web_health")


@health.get("/healthz")
async def alive(_: Request) -> HTTPResponse:
    return json_reply({"status": "alive"})


# /readyz is public (probes reach it through the same port): its checks touch the database, Redis
# and the action server, so one check runs at a time and its result serves callers for a second.
READY_FOR_S = 1.0
_last_check: Tuple[float, Dict[Text, bool]] = (float("-inf"), {})
_checking = asyncio.Lock()


@health.get("/readyz")
async def ready(request: Request) -> HTTPResponse:
    global _last_check
    async with _checking:
        if time.monotonic() - _last_check[0] >= READY_FOR_S:
            _last_check = (time.monotonic(), await _checks(request))
    checks = _last_check[1]
    ok = all(checks.values())
    return json_reply({"ready": ok, "checks": checks}, 200 if ok else 503)


async def _checks(request: Request) -> Dict[Text, bool]:
    desk = request.app.ctx.desk
    checks: Dict[Text, bool] = {}
    agent = getattr(request.app.ctx, "agent", None)
    checks["model"] = bool(agent and agent.is_ready())
    checks["database"] = await _passes(desk.office.run(desk.office.db.ping))
    if desk.settings.redis_url:
        checks["redis"] = await _passes(desk.office.run(_ping_redis, desk.settings.redis_url))
    checks["action_server"] = await _passes(_action_server_alive())
    return checks


async def _passes(check) -> bool:
    try:
        return bool(await asyncio.wait_for(check, CHECK_TIMEOUT_S))
    except Exception as error:  # any failure means "not ready"; the kind is enough for the log
        log.warning("readiness check failed: %s", type(error).__name__)
        return False


def _ping_redis(url: str) -> bool:
    return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())


async def _action_server_alive() -> bool:
    parts = urlsplit(settings().actions.url)
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"{parts.scheme}://{parts.netloc}/healthz") as reply:
            return reply.status == 200
