"""The real bot, connected to the sandbox over 127.0.0.1, on a real database and a manual clock."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.client import ShardedSisterBot, SisterBot, create_bot
from bot.clock import ManualClock
from bot.config import Settings
from bot.sandbox import DiscordSandbox
from bot.sandbox.runner import RunningBot, capture_bot_errors

START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
# For tests about what happens under Discord's route buckets (posts paced, none refused), not
# about the wait itself: the sandbox's windows last a tenth as long in real time, with the same
# counts, headers and 429s (``DiscordSandbox.route_window_scale``). Twelve posts in one channel
# took 10-20 s of real waiting at Discord's 5 per 5 s.
SHORT_WINDOWS = 0.1
GUILD: dict[str, Any] = {
    "name": "Sister Libraries",
    "locale": "en-US",
    "roles": [{"name": "Moderators", "permissions": ["manage_guild"]}],
    "channels": [
        {"name": "general"},
        {"name": "pen-pals"},
        {"name": "articles", "type": "forum"},
        {"name": "announcements", "type": "announcement"},
        {"name": "mod-queue"},
    ],
    "members": [
        {"name": "mod", "roles": ["Moderators"]},
        {"name": "wei", "locale": "zh-CN"},
        {"name": "ana", "locale": "es-ES"},
    ],
}


@dataclass
class World:
    sandbox: DiscordSandbox
    clock: ManualClock
    database_url: str
    running: RunningBot
    settings: Settings = field(default_factory=Settings)

    @property
    def bot(self) -> SisterBot | ShardedSisterBot:
        return self.running.bot  # type: ignore[return-value]

    async def restart(self) -> None:
        await self.running.stop()
        self.running = await RunningBot.start(self._factory, self.clock, self.database_url, self.sandbox)

    def _factory(self, *, clock: ManualClock, database_url: str) -> SisterBot | ShardedSisterBot:
        return create_bot(self.settings, clock=clock, database_url=database_url, guild_ready_timeout=0.01)

    async def advance(self, delta: timedelta) -> None:
        await self.bot.advance_clock(delta)
        await self.sandbox.settle()

    def lines(self, action: str | None = None, visible_to: str | None = None) -> list[dict[str, Any]]:
        return [
            line
            for line in self.sandbox.transcript
            if (action is None or line["action"] == action)
            and (visible_to is None or line.get("visible_to") == visible_to)
        ]

    def errors(self) -> list[dict[str, Any]]:
        return [line for line in self.sandbox.transcript if line["action"] == "error"]


@asynccontextmanager
async def world(
    database_url: str,
    *,
    guild: dict[str, Any] | None = None,
    settings: Settings | None = None,
    start: datetime = START,
) -> AsyncIterator[World]:
    clock = ManualClock(start)
    sandbox = DiscordSandbox(clock=clock)
    await sandbox.start()
    sandbox.install()
    sandbox.build_guild(copy.deepcopy(guild or GUILD))
    settings = settings or Settings()
    with capture_bot_errors(sandbox):
        placeholder = World(sandbox, clock, database_url, running=None, settings=settings)  # type: ignore[arg-type]
        placeholder.running = await RunningBot.start(placeholder._factory, clock, database_url, sandbox)
        try:
            yield placeholder
        finally:
            await placeholder.running.stop()
            await sandbox.stop()
