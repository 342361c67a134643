"""What members do in pen pals, as outcomes: no Discord here, and no translated text.

Each method is one unit of work: one session, and the jobs it creates commit with the state
they belong to. The cog package turns outcomes into replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.members.timezone import set_member_timezone
from bot.penpal import jobs
from bot.penpal import repository as repo
from bot.penpal.models import (
    CheckIn,
    GroupState,
    PenpalGroup,
    PenpalGroupMember,
    PenpalProfile,
    PenpalRound,
    ProfileStatus,
)
from bot.penpal.rules import ProfileChoices
from bot.scheduler import JobScheduler


class Answer(StrEnum):
    """What became of a button press or a rating."""

    SAVED = "saved"
    NOT_IN_GROUP = "not_in_group"
    ROUND_ENDED = "round_ended"
    ROUND_GONE = "round_gone"
    ROUND_STARTED = "round_started"


@dataclass(frozen=True)
class Saved:
    profile: PenpalProfile
    # Still paused after saving: re-joining does not end a pause (only /penpal resume does).
    paused: bool


@dataclass(frozen=True)
class MemberStatus:
    profile: PenpalProfile
    timezone: str  # the member's own, else the server's
    groups: list[PenpalGroup]  # open groups the member is in
    next_round_at: datetime | None


@dataclass(frozen=True)
class LeftGroup:
    group: PenpalGroup
    closed: bool  # too few members remain to go on


class PenpalService:
    def __init__(
        self, database: Database, clock: Clock, scheduler: JobScheduler, *, default_timezone: str = "UTC"
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.default_timezone = default_timezone

    # -- reading ----------------------------------------------------------------------------

    async def profile(self, guild_id: int, user_id: int) -> PenpalProfile | None:
        """The member's profile, or None when they never joined or left."""
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
        return None if profile is None or profile.status == ProfileStatus.LEFT else profile

    async def status(self, guild_id: int, user_id: int) -> MemberStatus | None:
        """What /penpal status shows, read in one go; None when the member has not joined."""
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is None or profile.status == ProfileStatus.LEFT:
                return None
            guild = await get_guild_settings(session, guild_id)
            settings = await repo.get_settings(session, guild_id)
            groups = await repo.open_groups_of(session, guild_id, user_id)
        timezone = profile.timezone or (guild.timezone if guild is not None else self.default_timezone)
        next_round = settings.next_round_at if settings and settings.channel_id else None
        return MemberStatus(profile, timezone, groups, next_round)

    async def next_round_at(self, guild_id: int) -> datetime | None:
        async with self.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
        return settings.next_round_at if settings and settings.channel_id else None

    async def current_groups(self, guild_id: int, user_id: int) -> list[PenpalGroup]:
        async with self.database.session() as session:
            return await repo.open_groups_of(session, guild_id, user_id)

    # -- the member's own choices -------------------------------------------------------------

    async def save(
        self, guild_id: int, user_id: int, locale: str, choices: ProfileChoices, **text: Any
    ) -> Saved:
        fields: dict[str, Any] = dict(text)
        if choices.country is not None:
            fields["country"] = choices.country
        if choices.languages is not None:
            fields["languages"] = list(choices.languages)
        if choices.timezone is not None:
            fields["timezone"] = choices.timezone
        if choices.availability is not None:
            fields["availability"] = choices.availability
        async with self.database.session() as session:
            existing = await repo.get_profile(session, guild_id, user_id)
            if existing is not None and existing.status == ProfileStatus.LEFT:
                fields.update(status=ProfileStatus.ACTIVE, silent_rounds=0)
            profile = await repo.save_profile(
                session, guild_id, user_id, self.clock.now(), locale=locale, **fields
            )
            if choices.timezone is not None:  # the member's one time zone, for every feature
                await set_member_timezone(session, user_id, choices.timezone, self.clock.now())
        return Saved(profile, paused=profile.status == ProfileStatus.PAUSED)

    async def pause(self, guild_id: int, user_id: int, until: datetime | None) -> bool:
        """Pause the member (False: they have no profile). A dated pause ends by a job written
        with the pause; a pause replaced or ended early cancels that job by the same key."""
        now = self.clock.now()
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is None or profile.status == ProfileStatus.LEFT:
                return False
            batch = jobs.JobBatch(session, now)
            if profile.paused_until is not None:
                await batch.cancel(jobs.resume_key(guild_id, user_id, profile.paused_until))
            profile.status, profile.paused_until, profile.updated_at = ProfileStatus.PAUSED, until, now
            if until is not None:
                await batch.add(
                    jobs.RESUME,
                    {"guild_id": guild_id, "user_id": user_id},
                    until,
                    key=jobs.resume_key(guild_id, user_id, until),
                    guild_id=guild_id,
                )
        await batch.notify(self.scheduler)
        return True

    async def resume(self, guild_id: int, user_id: int) -> bool:
        """Back in the rounds; False when the member was not paused."""
        now = self.clock.now()
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is None or profile.status != ProfileStatus.PAUSED:
                return False
            if profile.paused_until is not None:
                await jobs.JobBatch(session, now).cancel(
                    jobs.resume_key(guild_id, user_id, profile.paused_until)
                )
            profile.status, profile.paused_until, profile.silent_rounds = ProfileStatus.ACTIVE, None, 0
            profile.updated_at = now
        return True

    async def resume_if_due(self, guild_id: int, user_id: int) -> PenpalProfile | None:
        """The pause-ending job: the profile when this run ended a pause, else None."""
        now = self.clock.now()
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is None or profile.status != ProfileStatus.PAUSED or profile.paused_until is None:
                return None
            if profile.paused_until > now:
                return None
            profile.status, profile.paused_until, profile.silent_rounds = ProfileStatus.ACTIVE, None, 0
            profile.updated_at = now
        return profile

    async def leave(self, guild_id: int, user_id: int, *, erase: bool) -> bool:
        """Leave the programme, erasing the member's own data if asked; False without a profile."""
        now = self.clock.now()
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is None or (profile.status == ProfileStatus.LEFT and not erase):
                return False
            if profile.paused_until is not None:
                await jobs.JobBatch(session, now).cancel(
                    jobs.resume_key(guild_id, user_id, profile.paused_until)
                )
            if erase:
                await repo.erase_member(session, guild_id, user_id)
            else:
                profile.status, profile.paused_until, profile.updated_at = ProfileStatus.LEFT, None, now
        return True

    async def avoid(self, guild_id: int, user_id: int, other_id: int, *, undo: bool) -> bool:
        """Whether the avoid list changed. Avoiding yourself is the caller's refusal to make."""
        async with self.database.session() as session:
            if undo:
                return await repo.remove_avoid(session, guild_id, user_id, other_id)
            return await repo.add_avoid(session, guild_id, user_id, other_id, self.clock.now())

    # -- buttons and forms ------------------------------------------------------------------

    async def skip_round(self, round_id: int, user_id: int) -> Answer:
        async with self.database.session() as session:
            round_ = await session.get(PenpalRound, round_id)
            if round_ is None:
                return Answer.ROUND_GONE
            if round_.ran_at is not None:
                return Answer.ROUND_STARTED
            await repo.add_skip(session, round_id, user_id)
        return Answer.SAVED

    @staticmethod
    async def _membership(
        session: AsyncSession, group_id: int, user_id: int
    ) -> tuple[PenpalGroup, PenpalGroupMember] | None:
        """The group and the member's place in it, if they are (still) in it."""
        group = await session.get(PenpalGroup, group_id)
        member = await repo.group_member(session, group_id, user_id)
        if group is None or member is None or member.left_at is not None:
            return None
        return group, member

    async def record_checkin(self, group_id: int, user_id: int, answer: str) -> Answer:
        async with self.database.session() as session:
            found = await self._membership(session, group_id, user_id)
            if found is None:
                return Answer.NOT_IN_GROUP
            group, member = found
            if group.state != GroupState.OPEN:
                return Answer.ROUND_ENDED
            member.connected, member.answered_at = CheckIn(answer), self.clock.now()
        return Answer.SAVED

    async def may_rate(self, group_id: int, user_id: int) -> Answer:
        async with self.database.session() as session:
            found = await self._membership(session, group_id, user_id)
        return Answer.NOT_IN_GROUP if found is None else Answer.SAVED

    async def record_rating(self, group_id: int, user_id: int, stars: int, comment: str | None) -> Answer:
        async with self.database.session() as session:
            found = await self._membership(session, group_id, user_id)
            if found is None:
                return Answer.NOT_IN_GROUP
            _group, member = found
            member.rating, member.comment, member.answered_at = stars, comment, self.clock.now()
        return Answer.SAVED

    # -- members leaving the server -----------------------------------------------------------

    async def member_left(self, guild_id: int, user_id: int) -> list[LeftGroup]:
        """Take a member who left the server out of the pool and out of their open groups."""
        now = self.clock.now()
        changed: list[LeftGroup] = []
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is not None:
                profile.status, profile.updated_at = ProfileStatus.LEFT, now
            for group in await repo.open_groups_of(session, guild_id, user_id):
                remaining = 0
                for member in group.members:
                    if member.user_id == user_id:
                        member.left_at = now
                    elif member.left_at is None:
                        remaining += 1
                if remaining < 2:
                    group.state = GroupState.DISSOLVED
                changed.append(LeftGroup(group, closed=remaining < 2))
        return changed

    # -- the member's data, for the feature registry (export, erase, count) -----------------------

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with self.database.session() as session:
            return await repo.member_data(session, guild_id, user_id)

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        now = self.clock.now()
        async with self.database.session() as session:
            profile = await repo.get_profile(session, guild_id, user_id)
            if profile is not None and profile.paused_until is not None:
                await jobs.JobBatch(session, now).cancel(
                    jobs.resume_key(guild_id, user_id, profile.paused_until)
                )
            return await repo.erase_member(session, guild_id, user_id)

    async def count_member(self, guild_id: int, user_id: int) -> int:
        data = await self.export_member(guild_id, user_id)
        banned = data["left_out_of_pairing_since"] is not None
        return (data["profile"] is not None) + len(data["avoids"]) + len(data["groups"]) + banned
