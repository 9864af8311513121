"""Shared fixtures: the real action server and the real Rasa server, started once per test run."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
import requests
import yaml
from sqlalchemy.engine import Engine

from tickets.db import make_engine, migrate

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MODEL = PROJECT / "models" / "current.tar.gz"
STARTUP_TIMEOUT_S = 240
PG_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL tests run on CI"


@dataclass(frozen=True)
class Database:
    url: str
    schema: Optional[str]  # PostgreSQL: the test's own schema

    def make_engine(self) -> Engine:
        return make_engine(self.url, schema=self.schema)




@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
        migrate(url)
        yield Database(url, None)
        return

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    schema = f"zx_test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        migrate(url, schema=schema)
        yield Database(url, schema)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log: Path, ready: callable) -> None:
    """Poll `url` until `ready(response)`; fail early with the log if the process died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = requests.get(url, timeout=2)
            if ready(response):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")


@dataclass
class RasaStack:
    rasa_url: str
    action_url: str
    endpoints_file: Path
    database_url: str

    def webhook(self, sender: str, message: str) -> List[dict]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def parse(self, text: str) -> dict:
        response = requests.post(f"{self.rasa_url}/model/parse", json={"text": text}, timeout=60)
        response.raise_for_status()
        return response.json()


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory) -> Iterator[RasaStack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    logs = tmp_path_factory.mktemp("logs")
    action_port, rasa_port = free_port(), free_port()
    database_url = f"sqlite:///{logs / 'tickets.db'}"
    migrate(database_url)
    endpoints = logs / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"}}))

    action_log, rasa_log = logs / "actions.log", logs / "rasa.log"
    actions = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
        cwd=PROJECT, env={**_env(), "DATABASE_URL": database_url},
        stdout=action_log.open("w"), stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(rasa_port),
         "--model", str(MODEL), "--endpoints", str(endpoints), "--credentials", "credentials.yml"],
        cwd=PROJECT, env=_env(), stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{action_port}/health", actions, action_log, lambda r: r.ok)
        wait_until_ready(
            f"http://127.0.0.1:{rasa_port}/status", rasa, rasa_log,
            lambda r: r.ok and bool(r.json().get("model_file")),
        )
        yield RasaStack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", endpoints, database_url)
    finally:
        for process in (rasa, actions):
            process.terminate()
        for process in (rasa, actions):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))


def response_texts(domain: dict, name: str) -> List[str]:
    return [variant["text"] for variant in domain["responses"][name]]
