"""Storage for pen pals: small functions over the caller's session (one session per unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.penpal.admin_models import PairingBan
from bot.penpal.models import (
    Cadence,
    CrossBorder,
    GroupState,
    PenpalAvoid,
    PenpalGroup,
    PenpalGroupMember,
    PenpalProfile,
    PenpalRound,
    PenpalRoundSkip,
    PenpalSettings,
    ProfileStatus,
    RoundState,
)


async def get_profile(session: AsyncSession, guild_id: int, user_id: int) -> PenpalProfile | None:
    result = await session.execute(
        select(PenpalProfile).where(PenpalProfile.guild_id == guild_id, PenpalProfile.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def save_profile(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime, **fields: Any
) -> PenpalProfile:
    profile = await get_profile(session, guild_id, user_id)
    if profile is None:
        profile = PenpalProfile(
            guild_id=guild_id,
            user_id=user_id,
            display_name=fields.pop("display_name", ""),
            library=fields.pop("library", ""),
            status=ProfileStatus.ACTIVE,
            silent_rounds=0,
            interests=[],
            languages=[],
            intro="",
            created_at=now,
            updated_at=now,
        )
        session.add(profile)
    for key, value in fields.items():
        setattr(profile, key, value)
    profile.updated_at = now
    await session.flush()
    return profile


async def profiles_in_pool(session: AsyncSession, guild_id: int, round_id: int | None) -> list[PenpalProfile]:
    """Active, complete profiles that did not skip the round and are not left out of pairing."""
    banned = select(PairingBan.user_id).where(PairingBan.guild_id == guild_id)
    query = select(PenpalProfile).where(
        PenpalProfile.guild_id == guild_id,
        PenpalProfile.status == ProfileStatus.ACTIVE,
        PenpalProfile.user_id.not_in(banned),
    )
    if round_id is not None:
        skipped = select(PenpalRoundSkip.user_id).where(PenpalRoundSkip.round_id == round_id)
        query = query.where(PenpalProfile.user_id.not_in(skipped))
    result = await session.execute(query.order_by(PenpalProfile.user_id))
    return [profile for profile in result.scalars() if profile.is_complete]


async def add_avoid(session: AsyncSession, guild_id: int, user_id: int, avoided: int, now: datetime) -> bool:
    if await _find_avoid(session, guild_id, user_id, avoided) is not None:
        return False
    session.add(PenpalAvoid(guild_id=guild_id, user_id=user_id, avoided_user_id=avoided, created_at=now))
    return True


async def remove_avoid(session: AsyncSession, guild_id: int, user_id: int, avoided: int) -> bool:
    found = await _find_avoid(session, guild_id, user_id, avoided)
    if found is None:
        return False
    await session.delete(found)
    return True


async def _find_avoid(session: AsyncSession, guild_id: int, user_id: int, avoided: int) -> PenpalAvoid | None:
    result = await session.execute(
        select(PenpalAvoid).where(
            PenpalAvoid.guild_id == guild_id,
            PenpalAvoid.user_id == user_id,
            PenpalAvoid.avoided_user_id == avoided,
        )
    )
    return result.scalar_one_or_none()


async def avoid_pairs(session: AsyncSession, guild_id: int) -> list[tuple[int, int]]:
    result = await session.execute(
        select(PenpalAvoid.user_id, PenpalAvoid.avoided_user_id).where(PenpalAvoid.guild_id == guild_id)
    )
    return [(a, b) for a, b in result.all()]


async def recent_history(session: AsyncSession, guild_id: int, rounds: int) -> list[tuple[int, int]]:
    """Every pair that met in the last ``rounds`` rounds, oldest first."""
    if rounds <= 0:
        return []
    recent = (
        select(PenpalRound.id)
        .where(PenpalRound.guild_id == guild_id, PenpalRound.ran_at.is_not(None))
        .order_by(PenpalRound.scheduled_for.desc())
        .limit(rounds)
    )
    result = await session.execute(
        select(PenpalGroup)
        .join(PenpalRound)
        .where(PenpalGroup.round_id.in_(recent))
        .order_by(PenpalRound.scheduled_for, PenpalGroup.id)
    )
    pairs: list[tuple[int, int]] = []
    for group in result.scalars():
        ids = [member.user_id for member in group.members]
        pairs += [(a, b) for index, a in enumerate(ids) for b in ids[index + 1 :]]
    return pairs


async def get_settings(session: AsyncSession, guild_id: int) -> PenpalSettings | None:
    return await session.get(PenpalSettings, guild_id)


async def save_settings(session: AsyncSession, guild_id: int, now: datetime, **fields: Any) -> PenpalSettings:
    settings = await session.get(PenpalSettings, guild_id)
    if settings is None:
        settings = PenpalSettings(
            guild_id=guild_id,
            cadence=Cadence.BIWEEKLY,
            weekday=0,
            hour=9,
            no_repeat_rounds=3,
            cross_border=CrossBorder.STRICT,
            schedule_generation=0,
            updated_at=now,
        )
        session.add(settings)
    for key, value in fields.items():
        setattr(settings, key, value)
    settings.updated_at = now
    await session.flush()
    return settings


async def get_or_create_round(
    session: AsyncSession, guild_id: int, scheduled_for: datetime, ends_at: datetime, seed: int
) -> PenpalRound:
    result = await session.execute(
        select(PenpalRound).where(
            PenpalRound.guild_id == guild_id, PenpalRound.scheduled_for == scheduled_for
        )
    )
    found = result.scalar_one_or_none()
    if found is not None:
        return found
    created = PenpalRound(guild_id=guild_id, scheduled_for=scheduled_for, ends_at=ends_at, seed=seed)
    session.add(created)
    await session.flush()
    return created


async def add_skip(session: AsyncSession, round_id: int, user_id: int) -> bool:
    result = await session.execute(
        select(PenpalRoundSkip).where(
            PenpalRoundSkip.round_id == round_id, PenpalRoundSkip.user_id == user_id
        )
    )
    if result.scalar_one_or_none() is not None:
        return False
    session.add(PenpalRoundSkip(round_id=round_id, user_id=user_id))
    return True


async def create_group(session: AsyncSession, round_: PenpalRound, user_ids: Sequence[int]) -> PenpalGroup:
    group = PenpalGroup(round_id=round_.id, guild_id=round_.guild_id, state=GroupState.OPEN)
    group.members = [PenpalGroupMember(user_id=user_id) for user_id in user_ids]
    session.add(group)
    await session.flush()
    return group


async def open_groups_of(session: AsyncSession, guild_id: int, user_id: int) -> list[PenpalGroup]:
    result = await session.execute(
        select(PenpalGroup)
        .join(PenpalGroupMember)
        .where(
            PenpalGroup.guild_id == guild_id,
            PenpalGroup.state == GroupState.OPEN,
            PenpalGroupMember.user_id == user_id,
            PenpalGroupMember.left_at.is_(None),
        )
        .order_by(PenpalGroup.id)
    )
    return list(result.scalars().unique())


async def group_member(session: AsyncSession, group_id: int, user_id: int) -> PenpalGroupMember | None:
    result = await session.execute(
        select(PenpalGroupMember).where(
            PenpalGroupMember.group_id == group_id, PenpalGroupMember.user_id == user_id
        )
    )
    return result.scalar_one_or_none()


async def groups_of_round(session: AsyncSession, round_id: int) -> list[PenpalGroup]:
    result = await session.execute(
        select(PenpalGroup).where(PenpalGroup.round_id == round_id).order_by(PenpalGroup.id)
    )
    return list(result.scalars())


async def erase_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    """Forget what a member told us: their profile, the avoid entries they made, their answers
    and comments. Avoid entries others made about them stand (those are the others' data, and
    erasing them would let the member be paired with someone who asked never to be). Group
    history keeps only their id, so repeats are still avoided. Returns the rows touched."""
    touched = 0
    for statement in (
        delete(PenpalProfile).where(PenpalProfile.guild_id == guild_id, PenpalProfile.user_id == user_id),
        delete(PenpalAvoid).where(PenpalAvoid.guild_id == guild_id, PenpalAvoid.user_id == user_id),
        update(PenpalGroupMember)
        .where(
            PenpalGroupMember.user_id == user_id,
            PenpalGroupMember.group_id.in_(select(PenpalGroup.id).where(PenpalGroup.guild_id == guild_id)),
        )
        .values(connected=None, rating=None, comment=None, answered_at=None)
        .execution_options(synchronize_session=False),
        # A ban on them stands (moderators' decision, like others' avoid entries); as the
        # moderator who banned others, they are forgotten.
        update(PairingBan)
        .where(PairingBan.guild_id == guild_id, PairingBan.banned_by == user_id)
        .values(banned_by=None),
    ):
        result = await session.execute(statement)
        touched += result.rowcount or 0  # type: ignore[attr-defined]
    return touched


async def member_data(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    """Everything pen pals keeps that the member gave: for an export, and counted for a summary."""
    profile = await get_profile(session, guild_id, user_id)
    avoids = await session.execute(
        select(PenpalAvoid.avoided_user_id, PenpalAvoid.created_at).where(
            PenpalAvoid.guild_id == guild_id, PenpalAvoid.user_id == user_id
        )
    )
    answers = await session.execute(
        select(PenpalGroupMember)
        .join(PenpalGroup)
        .where(PenpalGroup.guild_id == guild_id, PenpalGroupMember.user_id == user_id)
        .order_by(PenpalGroupMember.id)
    )
    ban = await session.get(PairingBan, (guild_id, user_id))
    return {
        # Since when they are left out of pairing; never by whom.
        "left_out_of_pairing_since": None if ban is None else ban.banned_at.isoformat(),
        "profile": None
        if profile is None
        else {
            "display_name": profile.display_name,
            "library": profile.library,
            "intro": profile.intro,
            "interests": list(profile.interests),
            "country": profile.country,
            "languages": list(profile.languages),
            "timezone": profile.timezone,
            "availability": profile.availability,
            "locale": profile.locale,
            "status": profile.status,
            "paused_until": profile.paused_until.isoformat() if profile.paused_until else None,
        },
        "avoids": [{"user_id": other, "since": at.isoformat()} for other, at in avoids.all()],
        "groups": [
            {
                "group_id": member.group_id,
                "connected": member.connected,
                "rating": member.rating,
                "comment": member.comment,
            }
            for member in answers.scalars()
        ],
    }


async def open_round(session: AsyncSession, guild_id: int) -> PenpalRound | None:
    """The round whose groups are still talking, if any: a server has at most one."""
    result = await session.execute(
        select(PenpalRound)
        .where(PenpalRound.guild_id == guild_id, PenpalRound.state == RoundState.RAN)
        .order_by(PenpalRound.scheduled_for.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def profiles_by_id(
    session: AsyncSession, guild_id: int, user_ids: Sequence[int]
) -> dict[int, PenpalProfile]:
    if not user_ids:
        return {}
    result = await session.execute(
        select(PenpalProfile).where(PenpalProfile.guild_id == guild_id, PenpalProfile.user_id.in_(user_ids))
    )
    return {profile.user_id: profile for profile in result.scalars()}
