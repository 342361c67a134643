"""The feature registry: what each feature brings, in one declaration the bot installs.

A feature is an extension (its cog package) that, when loaded, installs a :class:`Feature`:
its tables, its job kinds with their handlers, its persistent buttons, its services, and the
hooks that export, erase and count a member's data and react to server-wide changes. The bot
loads the extensions in :data:`FEATURE_EXTENSIONS`; privacy commands and the console go
through :class:`FeatureRegistry` instead of knowing each feature.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot import pauses
from bot.channels import ChannelUse, ChannelUses
from bot.db.registry import MODEL_MODULES
from bot.i18n import register_audit_label, register_job_label
from bot.scheduler import Handler, JobContext, JobDeferred, JobScheduler
from bot.stats import PeriodStats, StatsProvider
from bot.tables import CsvTable, TablesProvider

log = logging.getLogger("bot.features")

# The cog packages that are features, loaded by the bot after its core extensions.
FEATURE_EXTENSIONS: tuple[str, ...] = (
    "cogs.checkins",  # before the features whose groups are its subjects
    "cogs.penpal",
    "cogs.articles",
    "cogs.partners",
    "cogs.seeking",
    "cogs.announcements",
    "cogs.reminders",
    "cogs.surveys",
)

S = TypeVar("S")


class MemberData(Protocol):
    """What a feature keeps about a member, for /privacy and the console."""

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]: ...

    async def erase_member(self, guild_id: int, user_id: int) -> int: ...

    async def count_member(self, guild_id: int, user_id: int) -> int: ...


@dataclass(frozen=True)
class JobKind:
    kind: str
    handler: Handler
    label: str  # untranslated (N_), shown by /jobs in the reader's language
    max_lateness: timedelta | None = None


def job_kinds(
    handlers: Mapping[str, Handler],
    labels: Mapping[str, str],
    max_lateness: Mapping[str, timedelta | None],
) -> tuple[JobKind, ...]:
    """A feature's job kinds from its handlers by kind and its module's labels and lateness limits."""
    return tuple(
        JobKind(kind, handler, labels[kind], max_lateness.get(kind)) for kind, handler in handlers.items()
    )


@dataclass(frozen=True)
class Feature:
    name: str
    extension: str
    tables: tuple[str, ...]  # modules whose tables the feature owns
    member_data: MemberData
    services: tuple[object, ...] = ()
    jobs: tuple[JobKind, ...] = ()
    dynamic_items: tuple[type[Any], ...] = ()
    # Called with the server id after /setup changes the server's time zone.
    on_timezone_changed: Callable[[int], Awaitable[object]] | None = None
    # The feature's moderator actions in the audit log, each named (N_) for /audit.
    audit_labels: Mapping[str, str] = field(default_factory=dict)
    # What the feature adds to the community dashboard for a server and a period.
    stats: StatsProvider | None = None
    # The channels the feature posts in, for /setup and /config show to check.
    channels: ChannelUses | None = None
    # The feature's data for a server as CSV tables, for /admin export.
    export_tables: TablesProvider | None = None
    # A programme moderators can pause per server (/admin pause-programme); while paused, its
    # jobs in that server are deferred. Personal tools (reminders) are not programmes.
    pausable: bool = True


class Host(Protocol):
    scheduler: JobScheduler

    def add_dynamic_items(self, *items: type[Any]) -> None: ...

    def remove_dynamic_items(self, *items: type[Any]) -> None: ...


@dataclass
class FeatureRegistry:
    host: Host
    _features: dict[str, Feature] = field(default_factory=dict)

    def install(self, feature: Feature) -> None:
        """Register the feature's jobs and buttons; called from its extension's ``setup``."""
        if feature.name in self._features:
            raise ValueError(f"feature {feature.name} is already installed")
        unknown = set(feature.tables) - set(MODEL_MODULES)
        if unknown:  # the migrations (and their drift test) would not know these tables
            raise ValueError(f"feature {feature.name}: add {sorted(unknown)} to bot.db.registry")
        for job in feature.jobs:
            handler = self._pausable(feature.name, job.handler) if feature.pausable else job.handler
            self.host.scheduler.register(job.kind, handler, max_lateness=job.max_lateness)
            register_job_label(job.kind, job.label)
        if feature.dynamic_items:
            self.host.add_dynamic_items(*feature.dynamic_items)
        for action, label in feature.audit_labels.items():
            register_audit_label(action, label)
        self._features[feature.name] = feature

    def _pausable(self, name: str, handler: Handler) -> Handler:
        """``handler``, deferred while its job's server has the feature (or everything) paused."""
        database = self.host.scheduler.database

        async def run_unless_paused(context: JobContext) -> None:
            if context.guild_id is not None and await pauses.is_paused(
                database, context.guild_id, name, now=context.now
            ):
                raise JobDeferred(context.now + pauses.DEFER_BY, pauses.DEFER_REASON)
            await handler(context)

        return run_unless_paused

    def pausable_kinds(self) -> dict[str, tuple[str, ...]]:
        """Every installed pausable feature's name and its job kinds."""
        return {
            name: tuple(job.kind for job in feature.jobs)
            for name, feature in self._features.items()
            if feature.pausable
        }

    def uninstall(self, name: str) -> None:
        feature = self._features.pop(name, None)
        if feature is not None and feature.dynamic_items:
            self.host.remove_dynamic_items(*feature.dynamic_items)

    @property
    def features(self) -> Sequence[Feature]:
        return tuple(self._features.values())

    def service(self, kind: type[S]) -> S:
        """The installed service of this type (typed access instead of attributes on the bot)."""
        for feature in self._features.values():
            for service in feature.services:
                if isinstance(service, kind):
                    return service
        raise LookupError(f"no installed feature provides {kind.__name__}")

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, dict[str, Any]]:
        return {
            name: await feature.member_data.export_member(guild_id, user_id)
            for name, feature in self._features.items()
        }

    async def erase_member(self, guild_id: int, user_id: int) -> dict[str, int]:
        return {
            name: await feature.member_data.erase_member(guild_id, user_id)
            for name, feature in self._features.items()
        }

    async def count_member(self, guild_id: int, user_id: int) -> dict[str, int]:
        return {
            name: await feature.member_data.count_member(guild_id, user_id)
            for name, feature in self._features.items()
        }

    async def community_stats(self, guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        """Every feature's figures for ``[start, end)``, merged."""
        return PeriodStats.merge(
            [
                await feature.stats(guild_id, start, end)
                for feature in self._features.values()
                if feature.stats is not None
            ]
        )

    async def export_tables(self, guild_id: int) -> list[CsvTable]:
        tables: list[CsvTable] = []
        for feature in self._features.values():
            if feature.export_tables is not None:
                tables.extend(await feature.export_tables(guild_id))
        return tables

    async def channel_uses(self, guild_id: int) -> list[ChannelUse]:
        uses: list[ChannelUse] = []
        for feature in self._features.values():
            if feature.channels is not None:
                uses.extend(await feature.channels(guild_id))
        return uses

    async def timezone_changed(self, guild_id: int) -> None:
        for feature in self._features.values():
            if feature.on_timezone_changed is not None:
                await feature.on_timezone_changed(guild_id)
