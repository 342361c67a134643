"""The migrations build exactly the schema the models describe, and take it down again."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.db import Database
from bot.db.migrate import alembic_config, current_revision, downgrade, upgrade
from bot.db.registry import include_object, load_metadata


def _drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return compare_metadata(context, load_metadata())


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_head_matches_models_then_downgrade_base(database_url: str) -> None:
    database = Database(database_url)
    try:
        await upgrade(database)
        head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
        assert await current_revision(database) == head
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(_tables)
            assert set(load_metadata().tables) <= tables
            assert await connection.run_sync(_drift) == []

        await upgrade(database)  # a second start migrates nothing and fails on nothing
        await downgrade(database, "base")
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_tables) <= {"alembic_version"}
        assert await current_revision(database) is None
    finally:
        await database.dispose()
