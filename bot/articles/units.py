"""Units of work for the article services, taken in turn on SQLite.

On SQLite every transaction begins IMMEDIATE, so each one, reads included, holds the database's
one write lock from its first statement to its commit, and between its statements it waits for the
event loop. When many members share at once (twenty pages that answer together), their
transactions queue for that lock inside SQLite, which retries a waiting BEGIN on its own timer
(sleeps of up to 100 ms) and gives up after ``busy_timeout`` (5 s): the lock then sits free while
waiters sleep, the queue grows, and some shares failed with "database is locked" on BEGIN
IMMEDIATE. Queued here instead, in arrival order, each transaction starts as soon as the one before
it commits and none gives up. PostgreSQL takes row locks only, so its sessions are not queued.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.db.engine import NestedSessionError

# One queue per database, shared by every article service using it.
_TURNS: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()
_holding: ContextVar[bool] = ContextVar("articles_unit_open", default=False)


@asynccontextmanager
async def unit(database: Database) -> AsyncIterator[AsyncSession]:
    """``database.session()``, after the transactions queued before it on SQLite."""
    if not database.is_sqlite:
        async with database.session() as session:
            yield session
        return
    if _holding.get():  # waiting for the turn this task holds would never end
        raise NestedSessionError("a session is already open in this task: pass it down instead")
    turn = _TURNS.get(database)
    if turn is None:
        turn = _TURNS[database] = asyncio.Lock()
    async with turn:
        token = _holding.set(True)
        try:
            async with database.session() as session:
                yield session
        finally:
            _holding.reset(token)
