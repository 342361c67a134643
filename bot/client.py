"""The bot: owns its database, clock and scheduler, loads one extension per feature."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import socket
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from importlib.abc import Loader
from importlib.machinery import ModuleSpec
from importlib.util import spec_from_loader
from types import ModuleType
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.db.core_repo import get_guild_settings, get_state, set_state
from bot.db.migrate import upgrade
from bot.delivery import Delivery
from bot.errors import ErrorHandlingTree
from bot.features import FEATURE_EXTENSIONS, FeatureRegistry
from bot.scheduler import JobScheduler
from bot.translator import CatalogTranslator

log = logging.getLogger("bot")

EXTENSIONS: tuple[str, ...] = (
    "cogs.meta",
    "cogs.admin",
    "cogs.jobs",
    "cogs.privacy",
    "cogs.audit",
    "cogs.dashboard",
    "cogs.config",
    "cogs.console",
)
COMMAND_HASH_KEY = "command_sync_hash"


def bot_intents() -> discord.Intents:
    # members: to notice a member leaving (their pairings close) and to resolve members in
    # commands. Message content is not needed: members talk to the bot through slash commands.
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.dm_messages = True
    return intents


async def command_payloads(tree: app_commands.CommandTree) -> list[dict[str, Any]]:
    """Exactly what a sync sends to Discord's bulk-overwrite endpoint."""
    translator = tree.translator
    commands_ = tree.get_commands()
    if translator is None:
        return [command.to_dict(tree) for command in commands_]
    return [await command.get_translated_payload(tree, translator) for command in commands_]


class _Imported(Loader):
    """Hands discord.py's extension loader a module imported already, instead of running it again."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        return None


class BotCore:
    """Everything the sharded and unsharded bots share; mixed into a discord.py bot class."""

    settings: Settings
    clock: Clock
    database: Database
    scheduler: JobScheduler
    delivery: Delivery
    features: FeatureRegistry
    started_at: datetime
    extensions_failed: list[str]

    def _init_core(self, settings: Settings, clock: Clock | None, database_url: str | None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._database_url = database_url or settings.database.url
        self.started_at = self.clock.now()
        self.extensions_failed = []
        self._scheduler_started = False

    async def setup_hook(self) -> None:
        self.create_resources()
        await upgrade(self.database)
        await self.load_features()
        synced = self.settings.discord.sync_commands and await self.sync_commands_if_changed()
        tree = getattr(self, "tree", None)
        if not synced and isinstance(tree, ErrorHandlingTree):
            await tree.load_command_ids()  # replies mention commands by id

    def create_resources(self) -> None:
        """The engine and the scheduler; nothing connects until first used."""
        bot: commands.Bot = self  # type: ignore[assignment]
        self.database = Database(self._database_url)
        shard = getattr(bot, "shard_ids", None) or [getattr(bot, "shard_id", None) or 0]
        owner = f"{socket.gethostname()}:{os.getpid()}:{','.join(map(str, shard))}"
        scheduler = self.settings.scheduler
        self.scheduler = JobScheduler(
            self.database,
            self.clock,
            owner=owner,
            batch_size=scheduler.batch_size,
            max_attempts=scheduler.max_attempts,
            lease=timedelta(seconds=scheduler.lease_seconds),
            safety_poll=timedelta(seconds=scheduler.safety_poll_seconds),
            runs_per_second=scheduler.runs_per_second or None,
        )
        # Jobs' messages share one pace, under Discord's 50 requests per second per bot.
        self.delivery = Delivery(
            bot, self.database, self.clock, requests_per_second=scheduler.runs_per_second or None
        )
        self.features = FeatureRegistry(bot)

    async def load_features(self) -> None:
        """Load the core extensions, then every feature (each installs itself in ``features``);
        one that fails is logged and the others still load."""
        bot: commands.Bot = self  # type: ignore[assignment]
        await bot.tree.set_translator(CatalogTranslator())
        for extension in EXTENSIONS + FEATURE_EXTENSIONS:
            try:
                await bot.load_extension(extension)
            except commands.ExtensionError:
                self.extensions_failed.append(extension)
                log.exception("extension %s failed to load; the others go on", extension)

    async def sync_commands_if_changed(self) -> bool:
        """Sync the command tree only when it changed since the last sync (Discord rate limits syncs)."""
        bot: commands.Bot = self  # type: ignore[assignment]
        payload = await command_payloads(bot.tree)
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        async with self.database.session() as session:
            if await get_state(session, COMMAND_HASH_KEY) == digest:
                return False
        await bot.tree.sync()
        async with self.database.session() as session:
            await set_state(session, COMMAND_HASH_KEY, digest, self.clock.now())
        log.info("synced %d application commands", len(payload))
        return True

    async def on_ready(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        log.info("ready as %s in %d servers", bot.user, len(bot.guilds))
        if not self._scheduler_started:
            self._scheduler_started = True
            # Start-up objects live as long as the bot: keep the garbage collector from walking
            # them again and again, which shows as event-loop stalls of tens of milliseconds.
            gc.collect()
            gc.freeze()
            await self.scheduler.start()

    async def run_due_jobs(self) -> None:
        await self.scheduler.run_due_jobs()

    async def advance_clock(self, delta: timedelta) -> None:
        """Sandbox and tests: move the manual clock, running each job at its own due time."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("only a manual clock can be advanced")
        await self.scheduler.advance(self.clock, delta)

    async def guild_locale(self, guild_id: int | None) -> str:
        if guild_id is None:
            return self.settings.bot.default_locale
        async with self.database.session() as session:
            settings = await get_guild_settings(session, guild_id)
        return settings.locale if settings is not None else self.settings.bot.default_locale

    async def guild_timezone(self, guild_id: int | None) -> str:
        if guild_id is None:
            return self.settings.bot.default_timezone
        async with self.database.session() as session:
            settings = await get_guild_settings(session, guild_id)
        return settings.timezone if settings is not None else self.settings.bot.default_timezone

    # discord.py runs an extension's module again at every load and drops it, and every module
    # under it, from ``sys.modules`` at every unload, which is at every close. So every bot
    # started in one process (the sandbox's stop and start, every test) ran all of them again:
    # most of a start. Extensions are never reloaded, so here they are imported once per process,
    # as any module is.

    async def _load_from_module_spec(self, spec: ModuleSpec, key: str) -> None:
        imported = sys.modules.get(key)
        if imported is None:
            await super()._load_from_module_spec(spec, key)  # type: ignore[misc]
            return
        again = spec_from_loader(
            key, _Imported(imported), is_package=spec.submodule_search_locations is not None
        )
        assert again is not None
        try:
            await super()._load_from_module_spec(again, key)  # type: ignore[misc]
        finally:
            imported.__spec__ = spec

    async def _call_module_finalizers(self, lib: ModuleType, key: str) -> None:
        prefix = f"{lib.__name__}."
        kept = {
            name: module for name, module in sys.modules.items() if name == key or name.startswith(prefix)
        }
        await super()._call_module_finalizers(lib, key)  # type: ignore[misc]
        sys.modules.update(kept)

    async def _close_core(self) -> None:
        if getattr(self, "scheduler", None) is not None and self._scheduler_started:
            await self.scheduler.stop()
        if getattr(self, "database", None) is not None:
            await self.database.dispose()


def _bot_options(settings: Settings) -> dict[str, Any]:
    return {
        "command_prefix": commands.when_mentioned,
        "intents": bot_intents(),
        "tree_cls": ErrorHandlingTree,
        "allowed_mentions": discord.AllowedMentions.none(),
        "help_command": None,
        "max_messages": 1000,
    }


class SisterBot(BotCore, commands.Bot):
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        database_url: str | None = None,
        **options: Any,
    ) -> None:
        merged = _bot_options(settings) | options
        commands.Bot.__init__(self, **merged)
        self._init_core(settings, clock, database_url)

    async def close(self) -> None:
        await self._close_core()
        await commands.Bot.close(self)


class ShardedSisterBot(BotCore, commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        database_url: str | None = None,
        shard_ids: Sequence[int] | None = None,
        **options: Any,
    ) -> None:
        merged = _bot_options(settings) | options
        commands.AutoShardedBot.__init__(
            self,
            shard_count=settings.discord.shard_count,
            shard_ids=list(shard_ids) if shard_ids else None,
            **merged,
        )
        self._init_core(settings, clock, database_url)

    async def close(self) -> None:
        await self._close_core()
        await commands.AutoShardedBot.close(self)


def create_bot(
    settings: Settings, *, clock: Clock | None = None, database_url: str | None = None, **options: Any
) -> SisterBot | ShardedSisterBot:
    if settings.discord.shard_count is not None:
        return ShardedSisterBot(
            settings, clock=clock, database_url=database_url, shard_ids=settings.discord.shard_ids, **options
        )
    return SisterBot(settings, clock=clock, database_url=database_url, **options)


__all__ = [
    "EXTENSIONS",
    "BotCore",
    "ShardedSisterBot",
    "SisterBot",
    "__version__",
    "command_payloads",
    "create_bot",
]
