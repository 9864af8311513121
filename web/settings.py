"""Settings of the web side: the process's settings (runtime/settings.py) with the secret loaded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from runtime import PROJECT_ROOT
from runtime.settings import Settings, settings
from web.identity import Signatures

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


def load_settings(config: Optional[Settings] = None) -> WebSettings:
    config = config or settings()
    web = config.web
    current = web.secret_key.load()
    return WebSettings(
        secret=current,
        signatures=Signatures(current, web.previous_secret_keys),
        site_origins=web.site_origins,
        embed_origins=web.embed_origins,
        secure_cookies=web.secure_cookies,
        redis_url=config.stores.redis_url,
        trusted_proxies=web.trusted_proxies,
    )
