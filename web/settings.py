"""Settings of the web side, from the environment with embedded defaults for `make run`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Tuple

from runtime import PROJECT_ROOT, redis_url, secret, secrets_from_list
from web.identity import Signatures

DEFAULT_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")
STATIC_DIR = PROJECT_ROOT / "web" / "static"  # scripts, styles, the widget: served as files
TEMPLATES_DIR = PROJECT_ROOT / "web" / "templates"  # the two pages: served with security headers
VENDOR_DIR = PROJECT_ROOT / "build" / "web"  # npm packages' browser builds, copied by `make setup`
VENDOR_SCRIPTS = ("socket.io.min.js", "echarts.min.js")


@dataclass(frozen=True)
class WebSettings:
    secret: bytes  # signs the chat token and keys address hashes; all replicas must share it
    signatures: Signatures  # timed signatures with `secret`, still accepting ZX_PREVIOUS_SECRET_KEYS
    site_origins: Tuple[str, ...]  # where our pages are served: CORS, socket.io, console writes
    embed_origins: Tuple[str, ...]  # partner sites whose pages may frame the chat (the widget)
    secure_cookies: bool  # set behind HTTPS
    redis_url: Optional[str]  # several Rasa replicas: socket.io messages travel through Redis
    trusted_proxies: Tuple[str, ...]  # our own proxies (nginx): X-Forwarded-For is believed from them only


def _env_list(variable: str) -> Tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in os.environ.get(variable, "").split(",") if o.strip())


def load_settings() -> WebSettings:
    current = secret("ZX_SECRET_KEY", "web_secret.key")
    return WebSettings(
        secret=current,
        signatures=Signatures(current, secrets_from_list(os.environ.get("ZX_PREVIOUS_SECRET_KEYS", ""))),
        site_origins=_env_list("ZX_SITE_ORIGINS") or DEFAULT_ORIGINS,
        embed_origins=_env_list("ZX_EMBED_ORIGINS"),
        secure_cookies=os.environ.get("ZX_SECURE_COOKIES", "") == "1",
        redis_url=redis_url(),
        trusted_proxies=_env_list("ZX_TRUSTED_PROXIES"),
    )
