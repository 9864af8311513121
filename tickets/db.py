"""Database URL, engine factory and migrations.

Engines made here fail fast instead of hanging a conversation: short connect and statement
timeouts, and on SQLite a busy timeout plus WAL so readers never wait for the writer.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 5000
SQLITE_BUSY_TIMEOUT_MS = 5000

# Execution option read by the SQLite "begin" hook; see write_engine().
_SQLITE_BEGIN = "tickets_sqlite_begin"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def database_url() -> str:
    """`DATABASE_URL`, or a SQLite file under <project>/var/ (created on demand)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    var = PROJECT_ROOT / "var"
    var.mkdir(exist_ok=True)
    return f"sqlite:///{var / 'zhuxiao.db'}"


def make_engine(url: Optional[str] = None, *, schema: Optional[str] = None) -> Engine:
    """A 2.0-style engine for `url` (default: database_url()).

    `schema` (PostgreSQL only) puts that schema first on the search_path: tests use it to run
    each test in a fresh schema.
    """
    url_obj = make_url(url or database_url())
    backend = url_obj.get_backend_name()
    # hide_parameters: SQLAlchemy error messages would otherwise quote phone and merchant numbers.
    options: Dict[str, Any] = {"future": True, "hide_parameters": True}
    if backend == "postgresql":
        pg_options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
        if schema:
            if not _SCHEMA_NAME.match(schema):
                raise ValueError(f"bad schema name: {schema!r}")
            pg_options += f" -c search_path={schema}"
        options.update(
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "options": pg_options},
        )
    elif backend == "sqlite":
        if schema:
            raise ValueError("schema is only supported on PostgreSQL")
    else:
        raise ValueError(f"unsupported database: {backend}")

    engine = create_engine(url_obj, **options)
    if backend == "sqlite":
        _install_sqlite_hooks(engine)
    return engine


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control away from the sqlite3 module so that we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # Writers take the write lock up front: a deferred transaction that upgrades to a writer
        # gets SQLITE_BUSY at once instead of waiting, and read-then-write would race.
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def write_engine(engine: Engine) -> Engine:
    """The same engine, but transactions on SQLite start with BEGIN IMMEDIATE (no-op elsewhere)."""
    return engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})


def migrate(url: Optional[str] = None, *, schema: Optional[str] = None) -> None:
    """Bring the database at `url` to the latest schema (Alembic upgrade head)."""
    from alembic import command
    from alembic.config import Config

    engine = make_engine(url, schema=schema)
    try:
        config = Config()  # built in code: no alembic.ini at the repo root
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["engine"] = engine
        command.upgrade(config, "head")
    finally:
        engine.dispose()
