"""Rasa's HTTP API behind its JWT: a token it cannot verify is a 401, never a 500.

sanic-jwt turns the usual bad tokens into 401, but not all: a token whose header says `alg: none`
(or another algorithm than ours) raises PyJWT's InvalidAlgorithmError, which nothing caught — the
caller got a 500 and the log a traceback. Every PyJWT error now answers like a missing token.
"""

from __future__ import annotations

import logging

from jwt.exceptions import PyJWTError
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from web.http_util import json_reply

log = logging.getLogger(__name__)


async def _refused(request: Request, error: PyJWTError) -> HTTPResponse:
    log.info("HTTP API token refused: %s", type(error).__name__)  # the kind only: no token, no traceback
    return json_reply(
        {"version": None, "status": "failure", "message": "User is not authenticated.", "reason": "NotAuthenticated"},
        401,
    )


def refuse_unverifiable_tokens(app: Sanic) -> None:
    app.error_handler.add(PyJWTError, _refused)
