"""The real stack — action server and Rasa server with the web chat, console and JWT-protected
HTTP API — started on free ports from the shipped credentials.yml and endpoints.yml. Used by the
tests and by the benchmarks.

Rasa reaches the action server through a TcpProxy, so a test can take the action server away
(refuse, black-hole) without stopping the process every other test shares.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional

import jwt
import redis
import requests
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from devtools.tcp_proxy import TcpProxy
from tickets.db import migrate

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MODEL = PROJECT / "models" / "current.tar.gz"
STARTUP_TIMEOUT_S = 240
JWT_SECRET = "test-jwt-secret-not-for-production"
WEB_SECRET = "test-web-secret-not-for-production"
ACTION_TOKEN = "test-action-token-not-for-production"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_reachable(url: str = "redis://127.0.0.1:6379/0") -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def wait_until_ready(
    url: str,
    process: subprocess.Popen,
    log: Path,
    ready: Callable,
    headers: Optional[dict] = None,
    verify: bool = True,  # False: our own test certificate (devtools/https_sites.py)
) -> None:
    """Poll `url` until `ready(response)`; fail early with the log if the process died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = requests.get(url, timeout=2, headers=headers, verify=verify)
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


def rasa_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.update(extra)
    return env


def stop(process: Optional[subprocess.Popen]) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


class ActionServer:
    """The action server process, reached by Rasa through `proxy`."""

    def __init__(self, port: int, env: dict, log: Path) -> None:
        self.port, self.env, self.log = port, env, log
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "action_server"],
            cwd=PROJECT,
            env={**self.env, "ZX_ACTIONS_PORT": str(self.port)},
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_until_ready(f"http://127.0.0.1:{self.port}/health", self.process, self.log, lambda r: r.ok)

    def stop(self) -> None:
        stop(self.process)


@dataclass
class RasaStack:
    rasa_url: str
    action_url: str  # the action server itself (not through the proxy)
    database_url: str  # the database itself, for tests reading what the servers wrote
    logs: Path
    rasa_pid: int
    actions: ActionServer
    action_proxy: TcpProxy  # what Rasa talks to; tests may refuse or black-hole it
    env: dict
    database_proxy: Optional[TcpProxy] = None  # PostgreSQL: what both servers talk to

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


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of `server_url`, dropped afterwards."""
    name = f"zx_stack_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _through(proxy_port: int, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy_port).render_as_string(hide_password=False)


@contextmanager
def running_stack(workdir: Path, *, database_url: Optional[str] = None, **settings: str) -> Iterator[RasaStack]:
    """Both servers on free ports over `database_url` (a fresh SQLite file by default), migrated,
    with the shipped channels (the web chat only); `settings` are more environment variables."""
    if not MODEL.exists():
        raise FileNotFoundError(f"no trained model at {MODEL}: run `make train` (make test does it)")
    workdir.mkdir(parents=True, exist_ok=True)
    action_port, proxy_port, rasa_port = free_port(), free_port(), free_port()
    database_url = database_url or f"sqlite:///{workdir / 'stack.db'}"
    migrate(database_url)
    database_proxy, served_url = None, database_url
    if make_url(database_url).get_backend_name() == "postgresql":
        # The servers reach PostgreSQL through a proxy, so a test can black-hole the database.
        real = make_url(database_url)
        database_proxy = TcpProxy(free_port(), real.host or "127.0.0.1", real.port or 5432)
        served_url = _through(database_proxy.listen_port, database_url)
    origins = f"http://127.0.0.1:{rasa_port},http://localhost:{rasa_port}"
    env = rasa_env(
        **{
            "ZX_SITE_ORIGINS": origins,
            # Clients reach the stack directly; tests pose as nginx to give each simulated person an
            # address of their own (devtools.clients.new_address).
            "ZX_TRUSTED_PROXIES": "127.0.0.1",
            **settings,  # a test's own settings win (a stack behind HTTPS has other origins)
        },
        DATABASE_URL=served_url,
        ZX_SECRET_KEY=WEB_SECRET,
        RASA_JWT_SECRET=JWT_SECRET,
        ZX_ACTION_TOKEN=ACTION_TOKEN,
        ZX_ACTION_URL=f"http://127.0.0.1:{proxy_port}/webhook",
        ZX_INTERFACE="127.0.0.1",
        ZX_PORT=str(rasa_port),
        ZX_CREDENTIALS=str(PROJECT / "credentials.yml"),
    )
    proxy = TcpProxy(proxy_port, "127.0.0.1", action_port)
    rasa_log = workdir / "rasa.log"
    actions = ActionServer(action_port, env, workdir / "actions.log")
    rasa = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "web.server"],
        cwd=PROJECT,
        env=env,
        stdout=rasa_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        actions.start()
        wait_until_ready(
            f"http://127.0.0.1:{rasa_port}/status",
            rasa,
            rasa_log,
            lambda r: r.ok and bool(r.json().get("model_file")),
            headers=jwt_headers(),
        )
        yield RasaStack(
            f"http://127.0.0.1:{rasa_port}",
            f"http://127.0.0.1:{action_port}",
            database_url,
            workdir,
            rasa.pid,
            actions,
            proxy,
            env,
            database_proxy,
        )
    finally:
        stop(rasa)
        actions.stop()
        proxy.close()
        if database_proxy is not None:
            database_proxy.close()
