"""Storage for seeking posts and fits: small functions over the caller's session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.seeking.models import SeekingFit, SeekingPost
from bot.seeking.rules import ListFilter, PostText

PAGE_SIZE = 5
# The first key of the PostgreSQL advisory lock that orders posts within a server ("SEEK").
_LOCK_SPACE = 0x5345454B


@dataclass(frozen=True)
class Page:
    items: Sequence[SeekingPost]
    page: int  # from 0
    pages: int
    total: int


def language_key(languages: Sequence[str]) -> str:
    return "," + ",".join(languages) + ","


def pair(user_id: int, other_id: int) -> tuple[int, int]:
    return (user_id, other_id) if user_id < other_id else (other_id, user_id)


async def get_post(session: AsyncSession, guild_id: int, user_id: int) -> SeekingPost | None:
    result = await session.execute(
        select(SeekingPost).where(SeekingPost.guild_id == guild_id, SeekingPost.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def save_post(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime, text: PostText, locale: str
) -> tuple[SeekingPost, bool]:
    """The member's post with ``text``, and whether it replaced an earlier one."""
    post = await get_post(session, guild_id, user_id)
    replaced = post is not None
    if post is None:
        post = SeekingPost(guild_id=guild_id, user_id=user_id, created_at=now)
        session.add(post)
    post.library, post.country, post.offer, post.hope = text.library, text.country, text.offer, text.hope
    post.languages, post.language_key = list(text.languages), language_key(text.languages)
    post.locale, post.updated_at = locale, now
    await session.flush()
    return post, replaced


async def delete_post(session: AsyncSession, guild_id: int, user_id: int) -> int:
    result = await session.execute(
        delete(SeekingPost).where(SeekingPost.guild_id == guild_id, SeekingPost.user_id == user_id)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def candidates(session: AsyncSession, post: SeekingPost) -> list[SeekingPost]:
    """Open posts of other members in another country, oldest first (the fit rule reads the rest)."""
    result = await session.execute(
        select(SeekingPost)
        .where(
            SeekingPost.guild_id == post.guild_id,
            SeekingPost.user_id != post.user_id,
            SeekingPost.country != post.country,
        )
        .order_by(SeekingPost.created_at, SeekingPost.id)
    )
    return list(result.scalars())


async def told_partners(session: AsyncSession, guild_id: int, user_id: int) -> set[int]:
    """Everyone the member was ever told about (or told about the member)."""
    result = await session.execute(
        select(SeekingFit.user_a, SeekingFit.user_b).where(
            SeekingFit.guild_id == guild_id, or_(SeekingFit.user_a == user_id, SeekingFit.user_b == user_id)
        )
    )
    return {b if a == user_id else a for a, b in result.all()}


async def add_fit(
    session: AsyncSession, guild_id: int, user_id: int, other_id: int, now: datetime
) -> SeekingFit:
    a, b = pair(user_id, other_id)
    found = SeekingFit(guild_id=guild_id, user_a=a, user_b=b, created_at=now)
    session.add(found)
    await session.flush()
    return found


async def lock_guild(session: AsyncSession, guild_id: int) -> None:
    """Posts in one server are saved one at a time, so two posts made at the same moment see each
    other and a fit between them is found. SQLite has one writer at a time already (every
    transaction begins IMMEDIATE); PostgreSQL takes a lock held until the transaction ends."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_LOCK_SPACE, guild_id % 2**31)))


async def pending_fits(session: AsyncSession, guild_id: int, user_id: int) -> list[SeekingFit]:
    """Fits the member was not reached about when their job ran, oldest first."""
    result = await session.execute(
        select(SeekingFit)
        .where(
            SeekingFit.guild_id == guild_id,
            SeekingFit.attempted_at.is_not(None),
            or_(
                (SeekingFit.user_a == user_id) & SeekingFit.told_a_at.is_(None),
                (SeekingFit.user_b == user_id) & SeekingFit.told_b_at.is_(None),
            ),
        )
        .order_by(SeekingFit.id)
    )
    return list(result.scalars())


def mark_told(found: SeekingFit, user_id: int, now: datetime) -> None:
    if found.user_a == user_id and found.told_a_at is None:
        found.told_a_at = now
    if found.user_b == user_id and found.told_b_at is None:
        found.told_b_at = now


async def page_of_posts(session: AsyncSession, guild_id: int, chosen: ListFilter, page: int) -> Page:
    """Open posts, newest first, filtered by country and language."""
    conditions = [SeekingPost.guild_id == guild_id]
    if chosen.country is not None:
        conditions.append(SeekingPost.country == chosen.country)
    if chosen.language is not None:
        conditions.append(SeekingPost.language_key.contains(f",{chosen.language},", autoescape=True))
    total = (
        await session.execute(select(func.count()).select_from(SeekingPost).where(*conditions))
    ).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    result = await session.execute(
        select(SeekingPost)
        .where(*conditions)
        .order_by(SeekingPost.updated_at.desc(), SeekingPost.id.desc())
        .offset(page * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return Page(list(result.scalars()), page, pages, total)


async def member_data(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    """What the feature keeps that the member gave: their post, and the fits they were part of."""
    post = await get_post(session, guild_id, user_id)
    fits = await session.execute(
        select(SeekingFit)
        .where(
            SeekingFit.guild_id == guild_id, or_(SeekingFit.user_a == user_id, SeekingFit.user_b == user_id)
        )
        .order_by(SeekingFit.id)
    )
    return {
        "post": None
        if post is None
        else {
            "library": post.library,
            "country": post.country,
            "languages": list(post.languages),
            "offer": post.offer,
            "hope": post.hope,
            "posted_at": post.created_at.isoformat(),
            "updated_at": post.updated_at.isoformat(),
        },
        "fits": [
            {
                "with_user_id": found.user_b if found.user_a == user_id else found.user_a,
                "found_at": found.created_at.isoformat(),
            }
            for found in fits.scalars()
        ],
    }
