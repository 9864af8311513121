"""Settings of the web side, from the environment with embedded defaults for `make run`."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from tickets.db import PROJECT_ROOT

MIN_SECRET_LEN = 32
DEFAULT_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")
STATIC_DIR = PROJECT_ROOT / "web" / "static"  # scripts, styles, the widget: served as files
TEMPLATES_DIR = PROJECT_ROOT / "web" / "templates"  # the two pages: served with security headers
SOCKET_IO_CLIENT = PROJECT_ROOT / "build" / "web" / "socket.io.min.js"


@dataclass(frozen=True)
class WebSettings:
    secret: bytes  # signs the chat cookie; all replicas must share it
    site_origins: Tuple[str, ...]  # where our pages are served: CORS, socket.io, console writes
    embed_origins: Tuple[str, ...]  # partner sites whose pages may frame the chat (the widget)
    secure_cookies: bool  # set behind HTTPS
    redis_url: Optional[str]  # several Rasa replicas: socket.io messages travel through Redis


def secret_from(env_value: Optional[str], key_file: Path) -> bytes:
    """The env value, else a random key kept in `key_file` (created once, readable by us only)."""
    if env_value:
        if len(env_value) < MIN_SECRET_LEN:
            raise ValueError(f"the secret key must have at least {MIN_SECRET_LEN} characters")
        return env_value.encode()
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        draft = key_file.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        os.replace(draft, key_file)  # atomic: a concurrent reader never sees a half-written key
    return key_file.read_text().strip().encode()


def _origins(variable: str) -> Tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in os.environ.get(variable, "").split(",") if o.strip())


def load_settings() -> WebSettings:
    return WebSettings(
        secret=secret_from(os.environ.get("ZX_SECRET_KEY"), PROJECT_ROOT / "var" / "web_secret.key"),
        site_origins=_origins("ZX_SITE_ORIGINS") or DEFAULT_ORIGINS,
        embed_origins=_origins("ZX_EMBED_ORIGINS"),
        secure_cookies=os.environ.get("ZX_SECURE_COOKIES", "") == "1",
        redis_url=os.environ.get("ZX_REDIS_URL") or None,
    )
