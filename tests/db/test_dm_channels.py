"""The kept DM channel ids: two deliveries to one member may open the channel at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.db.core_repo import get_dm_channel, save_dm_channel

NOW = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


async def test_two_saves_of_one_members_dm_channel_at_once_both_succeed(migrated_database_url: str) -> None:
    database = Database(migrated_database_url)
    first_saved, second_started = asyncio.Event(), asyncio.Event()
    try:

        async def first() -> None:
            async with database.session() as session:
                await save_dm_channel(session, 42, 1001, NOW)
                first_saved.set()
                await second_started.wait()
                await asyncio.sleep(0.2)  # the second one saves before this one commits

        async def second() -> None:
            await first_saved.wait()
            second_started.set()
            async with database.session() as session:
                await save_dm_channel(session, 42, 1002, NOW + timedelta(seconds=1))

        await asyncio.gather(first(), second())
        async with database.session() as session:
            assert await get_dm_channel(session, 42) == 1002  # the later save wins
            await save_dm_channel(session, 42, 1003, NOW)
        async with database.session() as session:
            assert await get_dm_channel(session, 42) == 1003
    finally:
        await database.dispose()
