"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5000

# Set while a unit of work is open in the current task. On SQLite every transaction takes the
# write lock, so a second session opened inside the first would wait for itself until
# busy_timeout runs out: refuse at once instead, on every database, so the mistake shows in tests.
_session_open: ContextVar[bool] = ContextVar("sisterlib_session_open", default=False)


def session_open() -> bool:
    """Whether this task is inside a unit of work (where another session must not be opened)."""
    return _session_open.get()


class NestedSessionError(RuntimeError):
    pass


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine_for(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine, with SQLite set up for several concurrent writers.

    On SQLite every transaction begins IMMEDIATE: a read-then-write transaction begun with a
    plain BEGIN fails at once with "database is locked" when another writer went first, while an
    IMMEDIATE one waits up to ``busy_timeout`` for its turn.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"isolation_level": None}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine and hands out one session per unit of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine_for(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error.

        One per unit of work: opening another inside it raises NestedSessionError.
        """
        if _session_open.get():
            raise NestedSessionError("a session is already open in this task: pass it down instead")
        token = _session_open.set(True)
        try:
            async with self.sessions() as session, session.begin():
                yield session
        finally:
            _session_open.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()
