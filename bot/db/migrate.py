"""Alembic, driven from code: ``python -m bot migrate`` and at every start of the bot."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db.engine import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
# Several bot processes may start at once against one PostgreSQL: only one migrates at a time.
_PG_MIGRATION_LOCK = 0x5157_4C49

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _with_connection(connection: Connection, action: str, revision: str, **kwargs: Any) -> None:
    config = alembic_config(str(connection.engine.url.render_as_string(hide_password=False)))
    config.attributes["connection"] = connection
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    getattr(command, action)(config, revision, **kwargs)


@functools.cache
def head_revision() -> str | None:
    """The newest migration's revision (read once per process: the files do not change)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def upgrade(database: Database, revision: str = "head") -> None:
    # Every start upgrades; a database already at the head is told apart by one SELECT instead of
    # Alembic loading every migration file (about 30 ms a start).
    head = head_revision() if revision == "head" else None
    if head is not None and await current_revision(database) == head:
        return
    async with database.engine.connect() as connection:
        await connection.run_sync(_with_connection, "upgrade", revision)
        await connection.commit()


async def downgrade(database: Database, revision: str = "base") -> None:
    async with database.engine.connect() as connection:
        await connection.run_sync(_with_connection, "downgrade", revision)
        await connection.commit()


async def current_revision(database: Database) -> str | None:
    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(_read)
