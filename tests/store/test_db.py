"""Schema and connections: migrations match the models, engines carry their timeouts."""

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from runtime import VAR
from tickets import db
from tickets.models import Base


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_is_repeatable(database, engine):
    db.migrate(database.url, schema=database.schema)
    with engine.connect() as connection:
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
        head = ScriptDirectory.from_config(config).get_current_head()
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [head]


def test_connection_settings(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "5s"
            assert engine.pool._pre_ping


def test_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://app@db/zhuxiao")
    assert db.database_url() == "postgresql+psycopg2://app@db/zhuxiao"
    monkeypatch.delenv("DATABASE_URL")
    assert db.database_url() == f"sqlite:///{VAR / 'zhuxiao.db'}"
    assert VAR.is_dir()
