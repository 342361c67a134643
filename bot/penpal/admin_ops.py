"""Pen-pal operations for moderators: pair members by hand, undo a pairing, leave a member out
of pairing. Plain functions over the database, clock and scheduler; no Discord. Refusals raise
:class:`bot.inputs.InputError`; outcomes are dataclasses the console renders.

A hand-made group joins the open round, and is introduced by the same durable introduction job
a round's groups get (:data:`bot.penpal.jobs.INTRO`). With no round open, the group gets a
one-off round of its own, which ends (and is closed, with its check-in halfway) when the next
scheduled round begins, exactly like a round a moderator starts with /penpal-rounds run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.i18n import N_
from bot.inputs import CommandPath, InputError
from bot.penpal import jobs
from bot.penpal import repository as repo
from bot.penpal.admin_models import PairingBan
from bot.penpal.models import GroupState, PenpalProfile, PenpalRound, ProfileStatus, RoundState
from bot.penpal.rounds import CLOSE_BEFORE_NEXT_ROUND, schedule_of
from bot.scheduler import JobScheduler

GROUP_MIN, GROUP_MAX = 2, 3
# A one-off round needs room for its check-in and closing before the next scheduled round.
ONE_OFF_MIN_LENGTH = CLOSE_BEFORE_NEXT_ROUND + timedelta(hours=1)


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


@dataclass(frozen=True)
class Paired:
    group_id: int
    round_id: int
    one_off: bool  # a round of its own: no round was open
    round_ends_at: datetime
    shared_languages: tuple[str, ...]


@dataclass(frozen=True)
class DissolvedGroup:
    group_id: int
    thread_id: int | None
    others: tuple[int, ...]  # the members who go back to the pool


class BanOutcome(StrEnum):
    BANNED = "banned"
    ALREADY_BANNED = "already_banned"
    LIFTED = "lifted"
    NOT_BANNED = "not_banned"


async def banned_ids(session: AsyncSession, guild_id: int) -> set[int]:
    result = await session.scalars(select(PairingBan.user_id).where(PairingBan.guild_id == guild_id))
    return set(result)


async def pool_without_banned(
    session: AsyncSession, guild_id: int, round_id: int | None
) -> list[PenpalProfile]:
    """The round's pool as :func:`bot.penpal.repository.profiles_in_pool` gives it, without the
    members left out of pairing (the query that function is to use; see the admin ban)."""
    banned = await banned_ids(session, guild_id)
    return [p for p in await repo.profiles_in_pool(session, guild_id, round_id) if p.user_id not in banned]


def _check_members(user_ids: Sequence[int]) -> None:
    if not GROUP_MIN <= len(user_ids) <= GROUP_MAX:
        raise InputError(N_("A pen-pal group has two or three members."))
    seen: set[int] = set()
    for user_id in user_ids:
        if user_id in seen:
            raise InputError(
                N_("You named {member} twice: name two or three different members."), member=mention(user_id)
            )
        seen.add(user_id)


async def _profiles(
    session: AsyncSession, guild_id: int, user_ids: Sequence[int], *, force: bool
) -> list[PenpalProfile]:
    by_id = await repo.profiles_by_id(session, guild_id, user_ids)
    banned = await banned_ids(session, guild_id)
    profiles = []
    for user_id in user_ids:
        profile = by_id.get(user_id)
        if profile is None or profile.status == ProfileStatus.LEFT or not profile.is_complete:
            raise InputError(
                N_("{member} has no complete pen-pal profile. They can make one with {command}."),
                member=mention(user_id),
                command=CommandPath("penpal join"),
            )
        if user_id in banned:
            raise InputError(
                N_("{member} is left out of pairing. Undo that first with {command} and undo: True."),
                member=mention(user_id),
                command=CommandPath("admin ban-from-pairing"),
            )
        if profile.status == ProfileStatus.PAUSED and not force:
            raise InputError(
                N_("{member} has paused their pen-pal matching. Pair them anyway with force: True."),
                member=mention(user_id),
            )
        for group in await repo.open_groups_of(session, guild_id, user_id):
            raise InputError(
                N_(
                    "{member} is already in an open pen-pal group (group {group}). "
                    "Undo it first with {command}."
                ),
                member=mention(user_id),
                group=group.id,
                command=CommandPath("admin unpair"),
            )
        profiles.append(profile)
    return profiles


async def _one_off_round(session: AsyncSession, batch: jobs.JobBatch, guild_id: int) -> PenpalRound:
    """A round for a hand-made group when none is open: ends when the next scheduled one
    begins (or one cadence from now without a schedule), with its check-in and closing."""
    settings = await repo.get_settings(session, guild_id)
    if settings is None or settings.channel_id is None:
        raise InputError(
            N_("Choose the pen-pal channel first with {command}: the group's thread opens there."),
            command=CommandPath("penpal-rounds settings"),
        )
    guild = await get_guild_settings(session, guild_id)
    schedule = schedule_of(settings, guild.timezone if guild is not None else "UTC")
    now = batch.now
    upcoming = settings.next_round_at
    if upcoming is not None and upcoming - now < ONE_OFF_MIN_LENGTH:
        raise InputError(
            N_(
                "No pen-pal round is open and the next one starts within {hours} hours: "
                "pair them once it has started."
            ),
            hours=int(ONE_OFF_MIN_LENGTH.total_seconds() // 3600),
        )
    ends_at = upcoming if upcoming is not None else schedule.round_after(now)
    round_ = await repo.get_or_create_round(session, guild_id, now, ends_at, seed=int(now.timestamp()))
    round_.ran_at = now
    round_.state = RoundState.RAN
    round_.unmatched = []
    payload = {"guild_id": guild_id, "round_id": round_.id}
    checkin_at = max(schedule.checkin_time(now, ends_at), now)
    close_at = max(ends_at - CLOSE_BEFORE_NEXT_ROUND, checkin_at + timedelta(hours=1))
    for kind, due in ((jobs.CHECKIN, checkin_at), (jobs.CLOSE, close_at)):
        await batch.add(kind, payload, due, key=jobs.round_part_key(kind, round_.id), guild_id=guild_id)
    return round_


async def pair(
    database: Database,
    clock: Clock,
    scheduler: JobScheduler,
    guild_id: int,
    user_ids: Sequence[int],
    *,
    force: bool = False,
) -> Paired:
    """Make a group of these members now (see the module's docstring). Refused, with nothing
    changed: a member twice, a member without a complete profile, left out of pairing, paused
    (unless ``force``), already in an open group; members sharing no language (unless ``force``)."""
    _check_members(user_ids)
    now = clock.now()
    async with database.session() as session:
        profiles = await _profiles(session, guild_id, user_ids, force=force)
        shared = tuple(sorted(set.intersection(*(set(profile.languages) for profile in profiles))))
        if not shared and not force:
            raise InputError(
                N_("These members share no language in their profiles. Pair them anyway with force: True.")
            )
        batch = jobs.JobBatch(session, now)
        round_ = await repo.open_round(session, guild_id)
        one_off = round_ is None
        if round_ is None:
            round_ = await _one_off_round(session, batch, guild_id)
        group = await repo.create_group(session, round_, list(user_ids))
        await batch.add(
            jobs.INTRO, {"group_id": group.id}, now, key=jobs.intro_key(group.id), guild_id=guild_id
        )
        paired = Paired(group.id, round_.id, one_off, round_.ends_at, shared)
    await batch.notify(scheduler)
    return paired


async def unpair(database: Database, clock: Clock, guild_id: int, user_id: int) -> list[DissolvedGroup]:
    """Dissolve the member's open groups: nobody in them is asked to rate it at the round's end,
    and everyone is back in the pool for the next round. An introduction not yet posted is
    cancelled. Empty when the member is in no open group."""
    now = clock.now()
    dissolved: list[DissolvedGroup] = []
    async with database.session() as session:
        batch = jobs.JobBatch(session, now)
        for group in await repo.open_groups_of(session, guild_id, user_id):
            group.state = GroupState.DISSOLVED
            await batch.cancel(jobs.intro_key(group.id))
            others = tuple(
                member.user_id
                for member in group.members
                if member.user_id != user_id and member.left_at is None
            )
            dissolved.append(DissolvedGroup(group.id, group.thread_id, others))
    return dissolved


async def ban(
    database: Database, clock: Clock, guild_id: int, user_id: int, *, by: int | None, undo: bool = False
) -> BanOutcome:
    """Leave the member out of every future round of the server (``undo``: let them back in).
    Their open group, if any, is left alone: /admin unpair ends it."""
    async with database.session() as session:
        existing = await session.get(PairingBan, (guild_id, user_id))
        if undo:
            if existing is None:
                return BanOutcome.NOT_BANNED
            await session.delete(existing)
            return BanOutcome.LIFTED
        if existing is not None:
            return BanOutcome.ALREADY_BANNED
        session.add(PairingBan(guild_id=guild_id, user_id=user_id, banned_by=by, banned_at=clock.now()))
    return BanOutcome.BANNED


# -- the member's data, for pen pals' export/erase/count hooks ---------------------------------


async def export_member(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    """Whether the member is left out of pairing, and since when; never by whom."""
    found = await session.get(PairingBan, (guild_id, user_id))
    return {"left_out_of_pairing_since": None if found is None else found.banned_at.isoformat()}


async def count_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    banned = await session.scalar(
        select(func.count())
        .select_from(PairingBan)
        .where(PairingBan.guild_id == guild_id, PairingBan.user_id == user_id)
    )
    return int(banned or 0)


async def erase_moderator(session: AsyncSession, guild_id: int, user_id: int) -> int:
    """A moderator's own erasure forgets who banned; the bans stay (they are about others).
    A banned member's erasure keeps the ban, as avoid entries others made stand."""
    rows = (
        await session.scalars(
            select(PairingBan).where(PairingBan.guild_id == guild_id, PairingBan.banned_by == user_id)
        )
    ).all()
    for row in rows:
        row.banned_by = None
    return len(rows)
