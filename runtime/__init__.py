"""Where the project lives and how processes get their secrets: from the environment, else from
a file under var/ created once (readable by the owner only). Never from the command line.
Which secrets, and every other setting: runtime/settings.py."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR = PROJECT_ROOT / "var"  # local state of `make run`: the SQLite database, generated secrets
MIN_SECRET_LEN = 32
# Both servers compute on an event loop and wait for the database in pool threads. A thread back from
# the database waits for the loop to hand over the GIL, up to the switch interval (5 ms by default)
# for each call, several calls per turn: under load the tracker's single SQLite writer was busy 84 %
# of the time, mostly waiting so (bench profile). At 1 ms: p50 27 → 22 ms, 38 → 51 turns/s.
GIL_SWITCH_INTERVAL_S = 0.001


def hand_back_the_gil_sooner() -> None:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


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
