"""Fixtures shared by every test: real databases only (a SQLite file, and PostgreSQL when
TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.db import Database
from bot.db.migrate import upgrade

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


def sqlite_url(folder: Path, name: str = "test.db") -> str:
    return f"sqlite+aiosqlite:///{folder / name}"


async def _on_postgres_server(statement: str) -> None:
    """Runs one statement on the test server's own database (CREATE and DROP DATABASE need one)."""
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_postgres_database(template_url: str | None = None) -> str:
    """A database of its own on the test server, so tests never see each other's tables: empty, or
    a copy of ``template_url``'s."""
    assert POSTGRES_URL is not None
    name = f"sisterlib_{secrets.token_hex(4)}"
    template = "" if template_url is None else f' TEMPLATE "{make_url(template_url).database}"'
    await _on_postgres_server(f'CREATE DATABASE "{name}"{template}')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(database_url: str) -> None:
    await _on_postgres_server(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')


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


# -- migrated templates ----------------------------------------------------------------------
# Starting the bot migrates its database. Migrating from nothing on every end-to-end test cost
# about a third of a second on SQLite and more on PostgreSQL, times hundreds of tests; instead each
# test process migrates one template per backend once and every test starts from a copy (a file
# copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL). The bot's own migration at start
# then finds the schema at head. Tests of the migrations themselves keep ``database_url``.
_templates: dict[str, str] = {}


async def _migrated_template(backend: str, folder: Path) -> str:
    if backend in _templates:
        return _templates[backend]
    if backend == "sqlite":
        url = sqlite_url(folder, f"template-{os.getpid()}.db")
    else:
        url = await create_postgres_database()
    database = Database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()
    _templates[backend] = url
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def migrated_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database already at the newest migration, as the bot leaves it after its first start."""
    if request.param == "sqlite":
        template = await _migrated_template("sqlite", tmp_path_factory.getbasetemp())
        target = tmp_path / "test.db"
        shutil.copyfile(make_url(template).database or "", target)
        yield sqlite_url(tmp_path)
        return
    if POSTGRES_URL is None:
        pytest.skip("TEST_POSTGRES_URL is not set")
    url = await create_postgres_database(await _migrated_template("postgres", tmp_path))
    try:
        yield url
    finally:
        await drop_postgres_database(url)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    template = _templates.pop("postgres", None)
    if template is not None:
        asyncio.run(drop_postgres_database(template))
