"""Alembic environment: async engines, batch mode on SQLite, the app's complete metadata."""

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.db.base import UTCDateTime
from bot.db.engine import create_engine_for
from bot.db.registry import include_object, load_metadata

config = context.config
target_metadata = load_metadata()


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations describe the schema, not the app's Python types: they must stay runnable after
    # the app's code has moved on.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
        **kwargs,
    )


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    _configure(url=url, literal_binds=True, render_as_batch=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine_for(config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
