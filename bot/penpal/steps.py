"""What each job of a running round does, apart from saying it on Discord: an introduction's
plan and its thread, the "no partner" notes, the check-in, and closing. No Discord here; every
method is one unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.penpal import repository as repo
from bot.penpal.models import GroupState, PenpalGroup, PenpalProfile, PenpalRound, ProfileStatus, RoundState

SILENT_ROUNDS_BEFORE_PAUSE = 3


@dataclass(frozen=True)
class IntroPlan:
    group_id: int
    guild_id: int
    channel_id: int | None
    thread_id: int | None
    thread_requested: bool
    members: list[PenpalProfile]
    shared_languages: list[str]
    locale: str


@dataclass(frozen=True)
class Closing:
    locale: str
    groups: list[PenpalGroup]
    paused: list[PenpalProfile]


class RoundSteps:
    def __init__(self, database: Database, clock: Clock, *, default_locale: str = "en") -> None:
        self.database = database
        self.clock = clock
        self.default_locale = default_locale

    async def _locale(self, session: AsyncSession, guild_id: int) -> str:
        settings = await get_guild_settings(session, guild_id)
        return settings.locale if settings is not None else self.default_locale

    async def intro_plan(self, group_id: int) -> IntroPlan | None:
        async with self.database.session() as session:
            group = await session.get(PenpalGroup, group_id)
            if group is None or group.state != GroupState.OPEN:
                return None
            settings = await repo.get_settings(session, group.guild_id)
            locale = await self._locale(session, group.guild_id)
            ids = [member.user_id for member in group.members if member.left_at is None]
            by_id = await repo.profiles_by_id(session, group.guild_id, ids)
        members = [by_id[user_id] for user_id in ids if user_id in by_id]
        shared = sorted(set.intersection(*(set(p.languages) for p in members))) if members else []
        return IntroPlan(
            group_id=group.id,
            guild_id=group.guild_id,
            channel_id=settings.channel_id if settings else None,
            thread_id=group.thread_id,
            thread_requested=group.thread_requested_at is not None,
            members=members,
            shared_languages=shared,
            locale=locale,
        )

    async def thread_requested(self, group_id: int) -> None:
        """Recorded before the thread is asked for (see ``PenpalGroup.thread_requested_at``)."""
        async with self.database.session() as session:
            group = await session.get(PenpalGroup, group_id)
            if group is not None and group.thread_requested_at is None:
                group.thread_requested_at = self.clock.now()

    async def thread_opened(self, group_id: int, thread_id: int) -> None:
        async with self.database.session() as session:
            group = await session.get(PenpalGroup, group_id)
            if group is not None:
                group.thread_id = thread_id

    async def unmatched(self, round_id: int) -> list[tuple[PenpalProfile, str]]:
        async with self.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            if round_ is None:
                return []
            pairs = [(int(user_id), str(reason)) for user_id, reason in round_.unmatched]
            by_id = await repo.profiles_by_id(session, round_.guild_id, [user_id for user_id, _ in pairs])
        return [(by_id[user_id], reason) for user_id, reason in pairs if user_id in by_id]

    async def checkin(self, round_id: int) -> tuple[str, list[PenpalGroup]]:
        """The server's language and the groups still open, to be asked how it goes."""
        async with self.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            if round_ is None or round_.state != RoundState.RAN:
                return self.default_locale, []
            locale = await self._locale(session, round_.guild_id)
            groups = [g for g in await repo.groups_of_round(session, round_id) if g.state == GroupState.OPEN]
        return locale, groups

    async def close(self, round_id: int) -> Closing | None:
        """Close the round: count who answered, pause members silent for too long. Run again
        (a retry), it changes nothing and returns the groups so their prompts can be re-sent."""
        now = self.clock.now()
        paused: list[PenpalProfile] = []
        async with self.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            if round_ is None:
                return None
            locale = await self._locale(session, round_.guild_id)
            groups = await repo.groups_of_round(session, round_id)
            if round_.state != RoundState.CLOSED:
                ids = [member.user_id for group in groups for member in group.members]
                profiles = await repo.profiles_by_id(session, round_.guild_id, ids)
                for group in groups:
                    for member in group.members:
                        profile = profiles.get(member.user_id)
                        if profile is None or member.left_at is not None:
                            continue
                        answered = member.connected is not None or member.rating is not None
                        profile.silent_rounds = 0 if answered else profile.silent_rounds + 1
                        if (
                            profile.silent_rounds >= SILENT_ROUNDS_BEFORE_PAUSE
                            and profile.status == ProfileStatus.ACTIVE
                        ):
                            profile.status, profile.paused_until, profile.updated_at = (
                                ProfileStatus.PAUSED,
                                None,
                                now,
                            )
                            paused.append(profile)
                    if group.state == GroupState.OPEN:
                        group.state = GroupState.CLOSED
                round_.state = RoundState.CLOSED
        return Closing(locale, [g for g in groups if g.state == GroupState.CLOSED], paused)
