"""The production profile on this machine: several Rasa replicas and action servers behind nginx,
on PostgreSQL and Redis — configured by the environment only, exactly as the Kubernetes
manifests configure the pods (deploy/k8s).

    python -m devtools.cluster start   # `make cluster`: http://localhost:8000
    python -m devtools.cluster stop    # `make cluster-stop`

Tests and benchmarks start their own Cluster on free ports and a fresh database.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from devtools.stack import PROJECT, VENV_BIN, free_port, rasa_env, stop, wait_until_ready
from runtime import secret_from
from tickets.db import migrate

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEFAULT_DIR = PROJECT / "var" / "cluster"
DEFAULT_DATABASE = "postgresql+psycopg2://postgres@127.0.0.1:5432/zhuxiao_cluster"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"

NGINX_CONF = """\
# Written by devtools/cluster.py for `make cluster`; not edited by hand.
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/logs/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  client_max_body_size 64k;
  # Bodies and responses stay in memory: the workers run as `nobody` when started as root and
  # cannot write under a private temp directory.
  client_body_buffer_size 64k;
  proxy_max_temp_file_size 0;

  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}

  # The Rasa replicas. A browser sticks to one (socket.io's polling fallback needs it): by its
  # conversation or agent cookie, else by address for the first page load. A replica that
  # refuses connections (dead, restarting) is passed over for the other, request by request.
  upstream rasa {{
    hash $cookie_zx_chat$cookie_zx_agent$binary_remote_addr consistent;
{rasa_servers}
  }}

  # The action servers: Rasa calls them here. A call that cannot connect is retried on the other
  # server; actions are safe to repeat (idempotency keys, conditional updates).
  upstream actions {{
{action_servers}
  }}

  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 120s;
      # Only a replica that cannot be reached is skipped: retrying a slow long-poll or a socket.io
      # POST on the other replica would hand it a session it does not know.
      proxy_next_upstream error;
      proxy_next_upstream_tries 2;
    }}
  }}

  server {{
    listen 127.0.0.1:{action_port};
    client_max_body_size 4m;  # a tracker and the domain
    client_body_buffer_size 4m;
    location / {{
      proxy_pass http://actions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 30s;
      proxy_next_upstream error non_idempotent;
      proxy_next_upstream_tries 2;
    }}
  }}
}}
"""


@dataclass
class Process:
    name: str
    command: List[str]
    env: Dict[str, str]
    log: Path
    health_url: str
    process: Optional[subprocess.Popen] = None

    def start(self, wait: bool = True) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        wait_until_ready(self.health_url, self.process, self.log, lambda r: r.status_code == 200)

    def kill(self) -> None:
        """As a crash would: no goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        stop(self.process)


@dataclass
class Cluster:
    directory: Path
    database_url: str = DEFAULT_DATABASE
    redis_url: str = DEFAULT_REDIS
    port: int = 8000
    replicas: int = 2
    settings: Dict[str, str] = field(default_factory=dict)  # more environment for every process
    secrets: Dict[str, str] = field(default_factory=dict)
    rasa: List[Process] = field(default_factory=list)
    actions: List[Process] = field(default_factory=list)
    nginx: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _secret(self, name: str) -> str:
        return secret_from(os.environ.get(name), self.directory / f"{name.lower()}.key").decode()

    def _env(self, **extra: str) -> Dict[str, str]:
        return rasa_env(
            DATABASE_URL=self.database_url,
            ZX_REDIS_URL=self.redis_url,
            ZX_SECRET_KEY=self.secrets["ZX_SECRET_KEY"],
            RASA_JWT_SECRET=self.secrets["RASA_JWT_SECRET"],
            ZX_ACTION_TOKEN=self.secrets["ZX_ACTION_TOKEN"],
            ZX_ACTION_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            ZX_SITE_ORIGINS=f"http://127.0.0.1:{self.port},http://localhost:{self.port}",
            ZX_TRUSTED_PROXIES="127.0.0.1",
            **{**self.settings, **extra},
        )

    def start(self) -> "Cluster":
        (self.directory / "logs").mkdir(parents=True, exist_ok=True)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.directory / "tmp" / temp).mkdir(parents=True, exist_ok=True)
        self.secrets = {name: self._secret(name) for name in ("ZX_SECRET_KEY", "RASA_JWT_SECRET", "ZX_ACTION_TOKEN")}
        ensure_database(self.database_url)
        migrate(self.database_url)
        self.action_port = free_port() if self.port != 8000 else 5100
        ports = [free_port() for _ in range(4 * self.replicas)]
        logs = self.directory / "logs"
        for n in range(self.replicas):
            action_port, action_metrics, rasa_port, rasa_metrics = ports[4 * n : 4 * n + 4]
            self.actions.append(
                Process(
                    f"actions-{n + 1}",
                    [str(VENV_BIN / "python"), "-m", "action_server"],
                    self._env(ZX_ACTIONS_PORT=str(action_port), ZX_METRICS_PORT=str(action_metrics)),
                    logs / f"actions-{n + 1}.log",
                    f"http://127.0.0.1:{action_port}/healthz",
                )
            )
            self.rasa.append(
                Process(
                    f"rasa-{n + 1}",
                    [str(VENV_BIN / "python"), "-m", "web.server"],
                    self._env(ZX_PORT=str(rasa_port), ZX_INTERFACE="127.0.0.1", ZX_METRICS_PORT=str(rasa_metrics)),
                    logs / f"rasa-{n + 1}.log",
                    f"http://127.0.0.1:{rasa_port}/readyz",
                )
            )
        self._write_nginx_conf()
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(self.directory), "-c", str(self.directory / "nginx.conf"), "-g", "daemon off;"],
            stdout=(logs / "nginx.log").open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for process in self.actions + self.rasa:
            process.start(wait=False)
        for process in self.actions + self.rasa:
            process.wait_ready()
        return self

    def _write_nginx_conf(self) -> None:
        def servers(processes: List[Process]) -> str:
            hosts = (p.health_url.split("/")[2] for p in processes)
            # max_fails=0: never marked down (and so never moved) for one failed request; a dead
            # replica refuses connections and the request goes on to the other.
            return "\n".join(f"    server {host} max_fails=0;" for host in hosts)

        (self.directory / "nginx.conf").write_text(
            NGINX_CONF.format(
                dir=self.directory,
                port=self.port,
                action_port=self.action_port,
                rasa_servers=servers(self.rasa),
                action_servers=servers(self.actions),
            )
        )

    def stop(self) -> None:
        for process in self.rasa + self.actions:
            process.stop()
        stop(self.nginx)


def ensure_database(url: str) -> None:
    """Create the cluster's database on its PostgreSQL server if it is not there."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": target.database}
        ).first()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


# -- `make cluster` / `make cluster-stop` -----------------------------------------------------------

PID_FILE = DEFAULT_DIR / "cluster.pid"


def _serve() -> None:
    cluster = Cluster(DEFAULT_DIR).start()
    PID_FILE.write_text(str(os.getpid()))
    print(f"注销助手 cluster: {cluster.url}/ (console {cluster.url}/console); `make cluster-stop` ends it", flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
        PID_FILE.unlink(missing_ok=True)


def main(argv: List[str]) -> int:
    command = argv[0] if argv else "start"
    if command == "start":
        if PID_FILE.exists():
            print(f"a cluster is already running (pid {PID_FILE.read_text()}): `make cluster-stop` first")
            return 1
        DEFAULT_DIR.mkdir(parents=True, exist_ok=True)
        log = (DEFAULT_DIR / "cluster.log").open("a")
        subprocess.Popen(
            [sys.executable, "-m", "devtools.cluster", "serve"],
            cwd=PROJECT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get("http://127.0.0.1:8000/readyz", timeout=2).status_code == 200:
                    print("注销助手 cluster: http://localhost:8000/ · console http://localhost:8000/console")
                    return 0
            except requests.RequestException:
                pass
            time.sleep(1)
        print(f"the cluster did not become ready: see {DEFAULT_DIR / 'logs'}")
        return 1
    if command == "serve":
        _serve()
        return 0
    if command == "stop":
        if not PID_FILE.exists():
            print("no cluster is running")
            return 0
        os.kill(int(PID_FILE.read_text()), signal.SIGTERM)
        deadline = time.monotonic() + 60
        while PID_FILE.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        print("cluster stopped")
        return 0
    print("usage: python -m devtools.cluster start|stop")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
