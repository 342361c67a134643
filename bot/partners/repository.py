"""Repository functions for partnerships. Each takes the session of the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.rows import insert_or_lock
from bot.partners.models import (
    PartnerSettings,
    Partnership,
    PartnershipMember,
    PartnershipNews,
    Status,
)

# What /partner list, show and autocomplete offer: partnerships the community has.
LISTED = (Status.ACTIVE, Status.ENDED)
# A proposer's own proposals not decided yet, or sent back for changes.
WAITING = (Status.PENDING, Status.CHANGES)


async def get_settings(session: AsyncSession, guild_id: int) -> PartnerSettings | None:
    return await session.get(PartnerSettings, guild_id)


async def save_settings(
    session: AsyncSession, guild_id: int, now: datetime, **changes: Any
) -> PartnerSettings:
    settings, _created = await insert_or_lock(
        session, PartnerSettings, {"guild_id": guild_id}, {"quiet_days": 90, "updated_at": now}
    )
    for key, value in changes.items():
        setattr(settings, key, value)
    settings.updated_at = now
    await session.flush()
    return settings


async def get(session: AsyncSession, partnership_id: int, guild_id: int | None = None) -> Partnership | None:
    found = await session.get(Partnership, partnership_id, populate_existing=True)
    if found is None or (guild_id is not None and found.guild_id != guild_id):
        return None
    return found


async def drop_drafts(session: AsyncSession, guild_id: int, user_id: int) -> None:
    """A member has one draft at a time: the form of an earlier /partner propose is forgotten."""
    await session.execute(
        delete(Partnership).where(
            Partnership.guild_id == guild_id,
            Partnership.proposer_id == user_id,
            Partnership.status == Status.DRAFT,
        )
    )


async def claim_decision(
    session: AsyncSession,
    partnership_id: int,
    status: str,
    moderator_id: int,
    now: datetime,
    note: str | None,
) -> bool:
    """Decide a pending proposal; False when it was not pending (another decision came first).

    One conditional UPDATE: of two moderators pressing at once, exactly one changes the row.
    """
    result = await session.execute(
        update(Partnership)
        .where(Partnership.id == partnership_id, Partnership.status == Status.PENDING)
        .values(status=status, decided_by=moderator_id, decided_at=now, decision_note=note, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_page(
    session: AsyncSession,
    guild_id: int,
    *,
    country: str | None,
    kind: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Partnership], int]:
    conditions = [Partnership.guild_id == guild_id, Partnership.status.in_(LISTED)]
    if country is not None:
        conditions.append(or_(Partnership.partner_country == country, Partnership.our_country == country))
    if kind is not None:
        conditions.append(Partnership.kind == kind)
    total = await session.scalar(select(func.count()).select_from(Partnership).where(*conditions))
    rows = await session.scalars(
        select(Partnership)
        .where(*conditions)
        # Active first, then the newest start.
        .order_by(Partnership.status.asc(), Partnership.start_date.desc(), Partnership.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def search(
    session: AsyncSession, guild_id: int, query: str, limit: int, *, proposer_id: int | None = None
) -> list[Partnership]:
    """Listed partnerships whose library names contain ``query``; with ``proposer_id``, also that
    member's own proposals still waiting or sent back (so they can find them to edit)."""
    visible = Partnership.status.in_(LISTED)
    if proposer_id is not None:
        visible = or_(
            visible,
            and_(Partnership.proposer_id == proposer_id, Partnership.status.in_(WAITING)),
        )
    conditions = [Partnership.guild_id == guild_id, visible]
    needle = query.strip()
    if needle:
        # A member's % or _ is a character to find, not a wildcard.
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(
            or_(
                Partnership.partner_library.ilike(pattern, escape="\\"),
                Partnership.our_library.ilike(pattern, escape="\\"),
            )
        )
    rows = await session.scalars(
        select(Partnership)
        .where(*conditions)
        .order_by(Partnership.status.asc(), Partnership.id.desc())
        .limit(limit)
    )
    return list(rows)


async def member_of(session: AsyncSession, partnership_id: int, user_id: int) -> PartnershipMember | None:
    return await session.scalar(
        select(PartnershipMember).where(
            PartnershipMember.partnership_id == partnership_id, PartnershipMember.user_id == user_id
        )
    )


async def active(session: AsyncSession, guild_id: int) -> Sequence[Partnership]:
    rows = await session.scalars(
        select(Partnership).where(Partnership.guild_id == guild_id, Partnership.status == Status.ACTIVE)
    )
    return rows.all()


async def gone_quiet(session: AsyncSession, guild_id: int, cutoff: datetime) -> Sequence[Partnership]:
    """Active partnerships with no news or check-in since ``cutoff`` that moderators were not told of."""
    rows = await session.scalars(
        select(Partnership)
        .where(
            Partnership.guild_id == guild_id,
            Partnership.status == Status.ACTIVE,
            Partnership.quiet_flagged_at.is_(None),
            Partnership.last_activity_at < cutoff,
        )
        .order_by(Partnership.last_activity_at.asc())
    )
    return rows.all()


async def counts(session: AsyncSession, guild_id: int, since: datetime) -> dict[str, int]:
    base = select(func.count()).select_from(Partnership).where(Partnership.guild_id == guild_id)
    active_count = await session.scalar(base.where(Partnership.status == Status.ACTIVE))
    new = await session.scalar(base.where(Partnership.status.in_(LISTED), Partnership.decided_at >= since))
    ended = await session.scalar(base.where(Partnership.status == Status.ENDED))
    return {"active": int(active_count or 0), "new": int(new or 0), "ended": int(ended or 0)}


def _partnership_data(p: Partnership) -> dict[str, Any]:
    return {
        "id": p.id,
        "status": p.status,
        "kind": p.kind,
        "our_library": p.our_library,
        "partner_library": p.partner_library,
        "partner_country": p.partner_country,
        "partner_city": p.partner_city,
        "goals": p.goals,
        "start_date": p.start_date.isoformat() if p.start_date else None,
    }


async def member_data(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    """What the member gave or is part of: partnerships they are in, proposals they made, news."""
    in_rows = await session.scalars(
        select(Partnership)
        .join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
        .where(Partnership.guild_id == guild_id, PartnershipMember.user_id == user_id)
        .order_by(Partnership.id)
    )
    proposed = await session.scalars(
        select(Partnership)
        .where(Partnership.guild_id == guild_id, Partnership.proposer_id == user_id)
        .order_by(Partnership.id)
    )
    news = await session.scalars(
        select(PartnershipNews)
        .join(Partnership, Partnership.id == PartnershipNews.partnership_id)
        .where(Partnership.guild_id == guild_id, PartnershipNews.author_id == user_id)
        .order_by(PartnershipNews.id)
    )
    return {
        "partnerships": [_partnership_data(p) for p in in_rows],
        "proposals": [_partnership_data(p) for p in proposed],
        "news": [
            {"partnership_id": n.partnership_id, "text": n.text, "at": n.created_at.isoformat()} for n in news
        ],
    }


async def erase_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    """The member leaves every member list, proposer and news author fields; partnerships stay.

    Drafts they never sent are deleted: nobody else knows of them.
    """
    in_guild = select(Partnership.id).where(Partnership.guild_id == guild_id).scalar_subquery()
    await drop_drafts(session, guild_id, user_id)
    changed = 0
    for statement in (
        delete(PartnershipMember).where(
            PartnershipMember.user_id == user_id, PartnershipMember.partnership_id.in_(in_guild)
        ),
        update(Partnership)
        .where(Partnership.guild_id == guild_id, Partnership.proposer_id == user_id)
        .values(proposer_id=None),
        update(PartnershipNews)
        .where(PartnershipNews.author_id == user_id, PartnershipNews.partnership_id.in_(in_guild))
        .values(author_id=None),
    ):
        result = await session.execute(statement.execution_options(synchronize_session=False))
        changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return changed


async def active_partnerships_of(session: AsyncSession, guild_id: int, user_id: int) -> list[Partnership]:
    rows = await session.scalars(
        select(Partnership)
        .join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
        .where(
            Partnership.guild_id == guild_id,
            Partnership.status == Status.ACTIVE,
            PartnershipMember.user_id == user_id,
        )
        .order_by(Partnership.id)
    )
    return list(rows.unique())


async def recent_news(session: AsyncSession, partnership_id: int, since: datetime) -> list[datetime]:
    """When the partnership's news since ``since`` were sent, oldest first. The partnership's row
    is locked first (PostgreSQL), so two news sent at once are counted one after the other."""
    await session.execute(select(Partnership.id).where(Partnership.id == partnership_id).with_for_update())
    found = await session.scalars(
        select(PartnershipNews.created_at)
        .where(PartnershipNews.partnership_id == partnership_id, PartnershipNews.created_at > since)
        .order_by(PartnershipNews.created_at)
    )
    return list(found)
