"""Database URL, engine factory, the `Database` every store works on, and migrations.

Engines made here fail fast instead of hanging a conversation: short connect and statement
timeouts, and on SQLite a busy timeout plus WAL so readers never wait for the writer.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from runtime import VAR
from runtime.clock import Clock, utc_now
from runtime.settings import default_of, settings
from tickets.errors import StoreUnavailable

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 5000
TCP_USER_TIMEOUT_MS = 8000
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_POOL_SIZE = 16  # at least the threads that call the database at once (tracker store, office)

# Execution option read by the SQLite "begin" hook; see write_engine().
_SQLITE_BEGIN = "tickets_sqlite_begin"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def database_url() -> str:
    """`DATABASE_URL`, or a SQLite file under <project>/var/ (the folder created on demand)."""
    url = settings().stores.database_url
    if url == default_of("DATABASE_URL"):
        VAR.mkdir(exist_ok=True)
    return url


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
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S,
                "options": pg_options,
                # A server that stops answering mid-connection (a dropped network) fails the
                # connection after a few seconds instead of the kernel's quarter of an hour.
                "keepalives": 1,
                "keepalives_idle": 5,
                "keepalives_interval": 2,
                "keepalives_count": 2,
                "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
            },
        )
    elif backend == "sqlite":
        if schema:
            raise ValueError("schema is only supported on PostgreSQL")
        if url_obj.database not in (None, "", ":memory:"):
            # Keep connections (SQLAlchemy 1.4 opens a new one per checkout for a file, and its
            # PRAGMAs cost more than most queries: the bench's profile showed it).
            options.update(
                poolclass=QueuePool,
                pool_size=SQLITE_POOL_SIZE,
                max_overflow=SQLITE_POOL_SIZE,
                connect_args={"check_same_thread": False},
            )
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


# Errors that mean "the database is not there right now", not "this request is wrong".
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


@contextmanager
def unavailable_as_store_error() -> Iterator[None]:
    """A database that cannot be reached or times out raises StoreUnavailable (Chinese message),
    whoever's session it was (the back office's, the tracker store's)."""
    try:
        yield
    except _UNAVAILABLE as error:
        # The type name only: driver messages can quote SQL and connection details.
        log.warning("database unavailable (%s)", type(error).__name__)
        raise StoreUnavailable("工单系统暂时无法访问，请稍后再试") from error


class Database:
    """An engine, its reader and writer sessions, and the clock: what every store works on.

    Thread-safe: each transaction has its own session and connection.
    """

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._reader = sessionmaker(engine, future=True, expire_on_commit=False)
        self._writer = sessionmaker(write_engine(engine), future=True, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: Optional[str] = None, *, clock: Clock = utc_now) -> "Database":
        return cls(make_engine(url), clock=clock)

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Session]:
        """One transaction: committed if the block returns, rolled back if it raises.

        A database that cannot be reached or times out raises StoreUnavailable (Chinese message).
        """
        factory = self._writer if write else self._reader
        with unavailable_as_store_error(), factory() as session, session.begin():
            yield session

    def ping(self) -> bool:
        """True if the database answers a trivial query (StoreUnavailable otherwise)."""
        with self.transaction(write=False) as session:
            session.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()


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
