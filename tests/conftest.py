"""Fixtures shared by every test: real databases only (a SQLite file, and PostgreSQL when
TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


def sqlite_url(folder: Path, name: str = "test.db") -> str:
    return f"sqlite+aiosqlite:///{folder / name}"


async def create_postgres_database() -> str:
    """A fresh, empty database on the test server, so tests never see each other's tables."""
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL)
    name = f"sisterlib_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(database_url: str) -> None:
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL)
    name = make_url(database_url).database
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file always, PostgreSQL when TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if POSTGRES_URL is None:
        pytest.skip("TEST_POSTGRES_URL is not set")
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)
