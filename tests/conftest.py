"""Fixtures shared by every test: real databases only (a SQLite file, and PostgreSQL when
TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.db import Database
from bot.db.migrate import upgrade
from bot.db.registry import load_metadata

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


# -- databases with the schema in place ----------------------------------------------------
# Most tests need the schema and nothing else: the end-to-end tests the one the migrations build
# (starting the bot migrates its database), the service tests the one the models' create_all
# builds. Each test process builds one template of each kind per backend, once. On SQLite every
# test then gets a file copy. On PostgreSQL a copy (CREATE DATABASE ... TEMPLATE) and its DROP
# cost about a quarter of a second idle and seconds under load, times hundreds of tests, so each
# process keeps the copies it made and empties one for the next test instead (_reset_postgres).
# Tests of the migrations themselves keep the empty ``database_url``.


async def _build_migrated(url: str) -> None:
    database = Database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


async def _build_models(url: str) -> None:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(load_metadata().create_all)
    finally:
        await database.dispose()


_BUILDERS: dict[str, Callable[[str], Awaitable[None]]] = {
    "migrated": _build_migrated,
    "models": _build_models,
}
_templates: dict[tuple[str, str], str] = {}  # (backend, kind) -> template url
_fingerprints: dict[str, str] = {}  # kind -> the PostgreSQL template's schema fingerprint
_idle: dict[str, list[str]] = {kind: [] for kind in _BUILDERS}  # kind -> emptied PostgreSQL copies


async def _template(backend: str, kind: str, folder: Path) -> str:
    if (backend, kind) in _templates:
        return _templates[backend, kind]
    if backend == "sqlite":
        url = sqlite_url(folder, f"template-{kind}-{os.getpid()}.db")
    else:
        url = await create_postgres_database()
    try:
        await _BUILDERS[kind](url)
        if backend == "postgres":
            connection = await _connect(url)
            try:
                _fingerprints[kind] = await _schema_fingerprint(connection)
            finally:
                await connection.close()
    except BaseException:
        if backend == "postgres":
            await drop_postgres_database(url)
        raise
    _templates[backend, kind] = url
    return url


async def _connect(database_url: str) -> asyncpg.Connection:
    url = make_url(database_url)
    return await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )


# Everything a test could change in a database's schema, as one digest: a copy whose digest is
# still its template's after the test has the template's schema. Objects of PostgreSQL's own
# schemas are left out (the same in every database); alembic_version's rows are in, since a test
# that migrates down changes them.
_USER_NAMESPACES = (
    "SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'"
)
_FINGERPRINT = f"""
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
    SELECT 'schema ' || nspname || ' ' || nspowner::regrole || ' ' || coalesce(nspacl::text, '') AS item
        FROM pg_namespace WHERE oid IN ({_USER_NAMESPACES})
    UNION ALL SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || c.relowner::regrole
        || ' ' || coalesce(c.relacl::text, '') || ' ' || coalesce(pg_get_viewdef(c.oid), '')
        FROM pg_class c WHERE c.relnamespace IN ({_USER_NAMESPACES})
    UNION ALL SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || a.attnum || ' '
        || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || a.attidentity::text || ' '
        || a.attgenerated::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace IN ({_USER_NAMESPACES}) AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace IN ({_USER_NAMESPACES})
    UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace IN ({_USER_NAMESPACES})
    UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT 'rule ' || pg_get_ruledef(r.oid) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
        WHERE c.relnamespace IN ({_USER_NAMESPACES}) AND r.rulename <> '_RETURN'
    UNION ALL SELECT 'policy ' || polrelid::regclass || ' ' || polname FROM pg_policy
    UNION ALL SELECT 'function ' || oid::regprocedure || ' ' || md5(prosrc) FROM pg_proc
        WHERE pronamespace IN ({_USER_NAMESPACES})
    UNION ALL SELECT 'type ' || oid::regtype || ' ' || typtype::text FROM pg_type
        WHERE typnamespace IN ({_USER_NAMESPACES})
    UNION ALL SELECT 'enum ' || enumtypid::regtype || ' ' || enumsortorder || ' ' || enumlabel FROM pg_enum
    UNION ALL SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
    UNION ALL SELECT 'setting ' || setrole || ' ' || array_to_string(setconfig, ',') FROM pg_db_role_setting
        WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    UNION ALL SELECT 'large object ' || oid FROM pg_largeobject_metadata
) AS items
"""


async def _schema_fingerprint(connection: asyncpg.Connection) -> str:
    fingerprint: str = await connection.fetchval(_FINGERPRINT)
    if await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
        versions = await connection.fetch("SELECT version_num FROM alembic_version ORDER BY 1")
        fingerprint += " " + ",".join(row[0] for row in versions)
    return fingerprint


async def _reset_postgres(database_url: str, fingerprint: str) -> bool:
    """Empties a copy an earlier test used; False when it cannot be reused as it is.

    The rows go by DELETE with every trigger off (``session_replication_role = replica``, so foreign
    keys do not order the deletes): 5 ms where a TRUNCATE of the 40-odd tables took 150-200 ms,
    since TRUNCATE gives every table and index a new file. Sequences go back to their start, as
    in a new copy. alembic_version keeps its rows. Any other change to the schema shows in the
    fingerprint, and such a copy is dropped rather than reused.
    """
    connection = await _connect(database_url)
    try:
        # Connections the earlier test left open (a failed test may not reach its clean-up) end
        # here, as DROP DATABASE ... WITH (FORCE) ended them; a lock must not hang the reset.
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await connection.execute("SET lock_timeout = '10s'")
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            tables = await connection.fetch(
                "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
                " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                " AND NOT (schemaname = 'public' AND tablename = 'alembic_version')"
            )
            await connection.execute("".join(f"DELETE FROM {table[0]};" for table in tables))
            await connection.execute(
                "SELECT setval(seqrelid, seqstart, false) FROM pg_sequence"
                f" JOIN pg_class c ON c.oid = seqrelid WHERE c.relnamespace IN ({_USER_NAMESPACES})"
            )
        return await _schema_fingerprint(connection) == fingerprint
    finally:
        await connection.close()


async def _postgres_copy(kind: str, folder: Path) -> str:
    """An empty copy of *kind*'s template: one an earlier test of this process used, emptied now
    rather than when that test ended, since its event loop is closed by now and nothing of it can
    write after the reset; or a new copy when none is left or the reset fails."""
    template = await _template("postgres", kind, folder)
    idle = _idle[kind]
    while idle:
        url = idle.pop()
        if await _reusable(url, kind):
            return url
        await drop_postgres_database(url)
    return await create_postgres_database(template)


async def _reusable(url: str, kind: str) -> bool:
    try:
        return await _reset_postgres(url, _fingerprints[kind])
    except (OSError, asyncpg.PostgresError):
        return False


async def _database_of(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        template = await _template("sqlite", kind, tmp_path_factory.getbasetemp())
        shutil.copyfile(make_url(template).database or "", tmp_path / "test.db")
        yield sqlite_url(tmp_path)
        return
    if POSTGRES_URL is None:
        pytest.skip("TEST_POSTGRES_URL is not set")
    url = await _postgres_copy(kind, tmp_path)
    yield url
    _idle[kind].append(url)  # emptied when the next test asks (or dropped at the session's end)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def migrated_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database already at the newest migration, as the bot leaves it after its first start, with
    no rows but alembic_version's."""
    async for url in _database_of("migrated", request, tmp_path, tmp_path_factory):
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def models_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database with the models' tables (``load_metadata().create_all``) and no rows."""
    async for url in _database_of("models", request, tmp_path, tmp_path_factory):
        yield url


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    urls = [url for (backend, _), url in _templates.items() if backend == "postgres"]
    urls += [url for idle in _idle.values() for url in idle]
    if urls:
        asyncio.run(_drop_all(urls))


async def _drop_all(urls: list[str]) -> None:
    for url in urls:
        await drop_postgres_database(url)
