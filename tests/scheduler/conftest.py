"""Fixtures for the scheduler tests: a real database, SQLite always, PostgreSQL when
``TEST_POSTGRES_URL`` is set. Each PostgreSQL test gets its own schema (dropped afterwards) so
concurrent test runs and other tables on the same server do not interfere."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.db import Database
from bot.scheduler.models import ScheduledJob

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
TABLE = ScheduledJob.metadata.tables["scheduled_jobs"]

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set"),
        ],
    ),
]


class DatabaseFactory:
    """Opens more ``Database`` objects (separate engines and pools, as separate processes would
    have) on the same test database."""

    def __init__(self, url: str, engine_kwargs: dict[str, Any]) -> None:
        self.url = url
        self.engine_kwargs = engine_kwargs
        self.opened: list[Database] = []

    def open(self) -> Database:
        database = Database(self.url, **self.engine_kwargs)
        self.opened.append(database)
        return database

    async def close(self) -> None:
        for database in self.opened:
            await database.dispose()


@pytest.fixture(params=DATABASES)
async def databases(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    if request.param == "sqlite":
        factory = DatabaseFactory(f"sqlite+aiosqlite:///{tmp_path / 'scheduler.db'}", {})
        first = factory.open()
        async with first.engine.begin() as connection:
            await connection.run_sync(ScheduledJob.metadata.create_all, tables=[TABLE])
        yield factory
        await factory.close()
        return

    assert POSTGRES_URL is not None
    schema = f"test_sched_{uuid.uuid4().hex[:12]}"
    admin = Database(POSTGRES_URL)
    async with admin.engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    factory = DatabaseFactory(POSTGRES_URL, {"connect_args": {"server_settings": {"search_path": schema}}})
    first = factory.open()
    try:
        async with first.engine.begin() as connection:
            await connection.run_sync(ScheduledJob.metadata.create_all, tables=[TABLE])
        yield factory
    finally:
        await factory.close()
        async with admin.engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
def database(databases: DatabaseFactory) -> Database:
    return databases.opened[0]
