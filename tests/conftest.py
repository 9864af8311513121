"""Shared fixtures: the real action server and the real Rasa server, started once per test run."""

from __future__ import annotations

import os
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Iterator, List, NoReturn, Optional

import pytest
import yaml
from sqlalchemy.engine import Engine

from devtools.stack import MODEL, PROJECT, RasaStack, fresh_postgres_database, running_stack
from tickets.db import make_engine, migrate

PG_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL tests run on CI"
# On CI (.ci/run sets CI=true) every component a test needs is there: a missing one fails the test
# instead of skipping it, so a PostgreSQL, Redis, nginx or chromium that did not start cannot leave
# CI green with its tests unrun.
ON_CI = os.environ.get("CI") == "true"


def missing(reason: str) -> NoReturn:
    """A component the test needs is not there: skipped with the reason, or failed on CI."""
    if ON_CI:
        pytest.fail(f"{reason} — on CI (CI=true) it must be there", pytrace=False)
    pytest.skip(reason)


def requires(available: bool, reason: str) -> pytest.MarkDecorator:
    """Mark tests that need a component (checked before each test runs; see `missing`)."""
    return pytest.mark.requires(available=available, reason=reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("requires"):
        if not mark.kwargs["available"]:
            missing(mark.kwargs["reason"])


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
        missing(PG_SKIP_REASON)
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


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory) -> Iterator[RasaStack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    # What ships: the web chat channel only (credentials.yml), endpoints.yml from the environment,
    # and on CI the production database, PostgreSQL (a fresh database on the test server).
    server = os.environ.get("TEST_DATABASE_URL")
    with ExitStack() as context:
        url = context.enter_context(fresh_postgres_database(server)) if server else None
        yield context.enter_context(running_stack(tmp_path_factory.mktemp("stack"), database_url=url))


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))


def response_texts(domain: dict, name: str) -> List[str]:
    return [variant["text"] for variant in domain["responses"][name]]
