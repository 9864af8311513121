"""Settings of the web side, from the environment with embedded defaults for `make run`."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from tickets.db import PROJECT_ROOT

DEFAULT_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")
STATIC_DIR = PROJECT_ROOT / "web" / "static"
SOCKET_IO_CLIENT = PROJECT_ROOT / "build" / "web" / "socket.io.min.js"


@dataclass(frozen=True)
class WebSettings:
    secret: bytes  # signs the chat cookie; all replicas must share it
    site_origins: Tuple[str, ...]  # CORS, socket.io origins and who may frame the chat page
    secure_cookies: bool  # set behind HTTPS
    redis_url: Optional[str]  # several Rasa replicas: socket.io messages travel through Redis


def secret_from(env_value: Optional[str], key_file: Path) -> bytes:
    """The env value, else a random key kept in `key_file` (created once, readable by us only)."""
    if env_value:
        return env_value.encode()
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def load_settings() -> WebSettings:
    origins = os.environ.get("ZX_SITE_ORIGINS", "")
    return WebSettings(
        secret=secret_from(os.environ.get("ZX_SECRET_KEY"), PROJECT_ROOT / "var" / "web_secret.key"),
        site_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()) or DEFAULT_ORIGINS,
        secure_cookies=os.environ.get("ZX_SECURE_COOKIES", "") == "1",
        redis_url=os.environ.get("ZX_REDIS_URL") or None,
    )
