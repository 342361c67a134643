"""Get-or-create as one statement, for rows two clicks or two commands may create at once.

Reading first and adding when absent lets two transactions both see "absent": on PostgreSQL the
second insert then fails on the unique key (SQLite serialises writers, so it never shows there).
Here the insert is ``INSERT … ON CONFLICT DO NOTHING``, which waits for a concurrent creator and
then does nothing; the row is then read with ``FOR UPDATE``, so the caller's changes to it follow
the other transaction's instead of overwriting them unseen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


async def insert_or_lock(
    session: AsyncSession, model: type[Row], key: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[Row, bool]:
    """The row of ``model`` whose unique columns are ``key`` (their names must be a primary or
    unique key), inserted with ``values`` when absent; True when this call inserted it. An
    existing row is returned locked (PostgreSQL) and as stored, not with ``values``."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**key, **values)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(model)
    )
    created = (await session.scalars(statement)).one_or_none()
    if created is not None:
        return created, True
    existing = await session.scalars(
        select(model)
        .filter_by(**key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return existing.one(), False
