"""The real stack — action server and Rasa server with the web chat, console and JWT-protected
HTTP API — started on free ports over a fresh SQLite database. Used by the tests and by bench."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import jwt
import requests
import yaml

from tickets.db import migrate

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MODEL = PROJECT / "models" / "current.tar.gz"
STARTUP_TIMEOUT_S = 240
JWT_SECRET = "test-jwt-secret-not-for-production"
WEB_SECRET = "test-web-secret-not-for-production"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log: Path, ready: Callable, headers: Optional[dict] = None) -> None:
    """Poll `url` until `ready(response)`; fail early with the log if the process died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = requests.get(url, timeout=2, headers=headers)
            if ready(response):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")


def jwt_headers(secret: str = JWT_SECRET) -> Dict[str, str]:
    """What an operator's tool sends to Rasa's HTTP API (an admin token)."""
    token = jwt.encode({"user": {"username": "ops", "role": "admin"}}, secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


@dataclass
class RasaStack:
    rasa_url: str
    action_url: str
    database_url: str
    logs: Path
    rasa_pid: int
    actions: "ActionServer"

    @property
    def endpoints_file(self) -> Path:
        return self.logs / "endpoints.yml"

    def webhook(self, sender: str, message: str, session: Optional[requests.Session] = None) -> List[dict]:
        """The REST channel (tests and bench only; production serves the web chat alone)."""
        response = (session or requests).post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def parse(self, text: str, session: Optional[requests.Session] = None) -> dict:
        response = (session or requests).post(
            f"{self.rasa_url}/model/parse", json={"text": text}, headers=jwt_headers(), timeout=60
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, conversation_id: str) -> dict:
        response = requests.get(
            f"{self.rasa_url}/conversations/{conversation_id}/tracker", headers=jwt_headers(), timeout=30
        )
        response.raise_for_status()
        return response.json()


class ActionServer:
    """The action server process, which a test may stop and start again on the same port."""

    def __init__(self, port: int, env: dict, log: Path) -> None:
        self.port, self.env, self.log = port, env, log
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.port)],
            cwd=PROJECT, env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )
        wait_until_ready(f"http://127.0.0.1:{self.port}/health", self.process, self.log, lambda r: r.ok)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def rasa_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.update(extra)
    return env


@contextmanager
def running_stack(workdir: Path) -> Iterator[RasaStack]:
    if not MODEL.exists():
        raise FileNotFoundError(f"no trained model at {MODEL}: run `make train` (make test does it)")
    action_port, rasa_port = free_port(), free_port()
    database_url = f"sqlite:///{workdir / 'stack.db'}"
    migrate(database_url)
    endpoints, credentials = workdir / "endpoints.yml", workdir / "credentials.yml"
    endpoints.write_text(yaml.safe_dump({
        "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"},
        "tracker_store": {"type": "web.tracker_store.ProjectSQLTrackerStore"},
    }))
    credentials.write_text(yaml.safe_dump({"rest": None, "web.channel.WebChatInput": None}))
    origins = f"http://127.0.0.1:{rasa_port},http://localhost:{rasa_port}"
    env = rasa_env(DATABASE_URL=database_url, ZX_SITE_ORIGINS=origins, ZX_SECRET_KEY=WEB_SECRET)

    rasa_log = workdir / "rasa.log"
    actions = ActionServer(action_port, env, workdir / "actions.log")
    rasa = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--enable-api", "--jwt-secret", JWT_SECRET, "--jwt-method", "HS256",
         "--interface", "127.0.0.1", "--port", str(rasa_port), "--model", str(MODEL),
         "--endpoints", str(endpoints), "--credentials", str(credentials), "--cors", *origins.split(",")],
        cwd=PROJECT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        actions.start()
        wait_until_ready(
            f"http://127.0.0.1:{rasa_port}/status", rasa, rasa_log,
            lambda r: r.ok and bool(r.json().get("model_file")), headers=jwt_headers(),
        )
        yield RasaStack(
            f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", database_url, workdir, rasa.pid,
            actions,
        )
    finally:
        rasa.terminate()
        actions.stop()
        try:
            rasa.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rasa.kill()
