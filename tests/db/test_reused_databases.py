"""The PostgreSQL copies a test process reuses between tests (tests/conftest.py) come back with no
rows, ids counted from the start and their template's schema, or are not reused at all."""

from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.scheduler import ScheduledJob
from tests.conftest import (
    POSTGRES_URL,
    _connect,
    _fingerprints,
    _idle,
    _postgres_copy,
    _reset_postgres,
    drop_postgres_database,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="TEST_POSTGRES_URL is not set"),
]
NOW = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


async def _add_rows(url: str) -> int:
    """A server's settings and a job (an id from a sequence); returns the job's id."""
    database = Database(url)
    try:
        async with database.session() as session:
            await upsert_guild_settings(session, 1, NOW, {"timezone": "Europe/Berlin"})
            job = ScheduledJob(kind="test", due_at=NOW, occurrence_at=NOW, created_at=NOW, updated_at=NOW)
            session.add(job)
            await session.flush()
            job_id = job.id
            await session.commit()
        return job_id
    finally:
        await database.dispose()


@pytest.mark.parametrize("kind", ["migrated", "models"])
async def test_a_reset_copy_has_no_rows_and_counts_ids_from_the_start(kind: str, tmp_path: Path) -> None:
    url = await _postgres_copy(kind, tmp_path)
    try:
        first = await _add_rows(url)
        assert await _add_rows(url) == first + 1
        # A connection the test left open, inside a transaction, holds no lock past the reset.
        leaked = await _connect(url)
        await leaked.execute("BEGIN; SELECT * FROM guild_settings FOR UPDATE")

        assert await _reset_postgres(url, _fingerprints[kind])

        connection = await _connect(url)
        try:
            counts = await connection.fetch(
                "SELECT tablename, (xpath('/row/n/text()', query_to_xml("
                "format('SELECT count(*) AS n FROM %I', tablename), false, true, '')))[1]::text::int AS n"
                " FROM pg_tables WHERE schemaname = 'public'"
            )
            assert {row["tablename"]: row["n"] for row in counts if row["n"]} == (
                {"alembic_version": 1} if kind == "migrated" else {}
            )
        finally:
            await connection.close()
        assert await _add_rows(url) == first
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError)):  # it was ended
            await leaked.fetchval("SELECT 1")
        leaked.terminate()
    finally:
        await drop_postgres_database(url)


@pytest.mark.parametrize(
    "change",
    [
        "CREATE INDEX extra ON guild_settings (locale)",
        "ALTER TABLE guild_settings ADD COLUMN extra integer",
        "CREATE TABLE extra (id integer)",
        "UPDATE alembic_version SET version_num = 'older'",
    ],
)
async def test_a_copy_whose_schema_a_test_changed_is_not_reused(change: str, tmp_path: Path) -> None:
    url = await _postgres_copy("migrated", tmp_path)
    fresh = None
    try:
        connection = await _connect(url)
        try:
            await connection.execute(change)
        finally:
            await connection.close()
        assert not await _reset_postgres(url, _fingerprints["migrated"])
        _idle["migrated"].append(url)  # as the fixture hands it back after its test
        fresh = await _postgres_copy("migrated", tmp_path)
        assert fresh != url
        server = await _connect(POSTGRES_URL or "")
        try:
            assert not await server.fetchval(
                "SELECT count(*) FROM pg_database WHERE datname = $1", make_url(url).database
            )
        finally:
            await server.close()
    finally:
        await drop_postgres_database(url)
        if fresh is not None:
            await drop_postgres_database(fresh)
