"""The action server's Sanic app: rasa_sdk's endpoint with our guard around it."""

from __future__ import annotations

import hmac
import logging
from typing import Optional, Text

from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from dialogue.names import Response
from runtime.metrics import ERRORS
from tickets.office import back_office

log = logging.getLogger(__name__)

ACTIONS_PACKAGE = "actions"
PROTECTED_PATHS = ("/webhook", "/actions")
FAILED_RESPONSE = Response.ACTION_FAILED  # a Chinese apology with the offer of a person


def _bearer(request: Request) -> Optional[bytes]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip().encode() if scheme.lower() == "bearer" and value.strip() else None


def create_app(token: bytes) -> Sanic:
    """rasa_sdk's app for actions/, answering only callers that present `token`."""
    app = create_sdk_app(ACTIONS_PACKAGE, cors_origins=[])  # no browser may call it

    @app.middleware("request")
    async def only_rasa(request: Request) -> Optional[HTTPResponse]:
        if not request.path.startswith(PROTECTED_PATHS):
            return None
        presented = _bearer(request)
        if presented is None or not hmac.compare_digest(presented, token):
            log.warning("action server: refused a call without the right token")
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.get("/healthz")
    async def alive(_: Request) -> HTTPResponse:
        return response.json({"status": "alive"})

    @app.get("/readyz")
    async def ready(_: Request) -> HTTPResponse:
        office = back_office()
        try:
            database = await office.run(office.db.ping)
        except Exception as error:  # not ready, whatever the reason
            log.warning("readiness: database check failed: %s", type(error).__name__)
            database = False
        return response.json({"ready": database, "checks": {"database": database}}, status=200 if database else 503)

    @app.exception(Exception)
    async def action_failed(request: Request, error: Exception) -> HTTPResponse:
        """Replaces rasa_sdk's handler, which answers with the request body (the tracker)."""
        action = _action_name(request)
        ERRORS.labels("action_failed").inc()
        log.error("action %s failed: %s", action, type(error).__name__)
        if request.path.startswith("/webhook"):
            # The merchant hears an apology instead of silence; the conversation goes on.
            return response.json({"events": [], "responses": [{"response": FAILED_RESPONSE}]})
        return response.json({"error": "internal error"}, status=500)

    return app


def _action_name(request: Request) -> Text:
    try:
        name = (request.json or {}).get("next_action")
    except Exception:  # an unreadable body: there is no name to give
        return "?"
    return name if isinstance(name, str) and name.isidentifier() else "?"
