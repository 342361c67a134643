"""Storage for articles: small functions over the caller's session (one session per unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.articles.models import Article, ArticleSave, ArticleSettings, ArticleTag, ArticleVote
from bot.articles.search import Search, search_text


@dataclass(frozen=True)
class ArticleView:
    """An article as lists show it: with its tags, and how many voted for and saved it."""

    article: Article
    tags: tuple[str, ...]
    votes: int  # later shares; the first share is not counted
    saves: int


@dataclass(frozen=True)
class Page:
    items: list[ArticleView]
    page: int  # from 0
    total: int
    per_page: int
    # True when more than ``total`` match: a search counts and ranks its first matches only.
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def get_settings(session: AsyncSession, guild_id: int) -> ArticleSettings | None:
    return await session.get(ArticleSettings, guild_id)


async def save_settings(
    session: AsyncSession, guild_id: int, now: datetime, **fields: Any
) -> ArticleSettings:
    settings = await get_settings(session, guild_id)
    if settings is None:
        settings = ArticleSettings(guild_id=guild_id, updated_at=now)
        session.add(settings)
    for key, value in fields.items():
        setattr(settings, key, value)
    settings.updated_at = now
    await session.flush()
    return settings


async def find_by_url(session: AsyncSession, guild_id: int, url: str) -> Article | None:
    result = await session.execute(select(Article).where(Article.guild_id == guild_id, Article.url == url))
    return result.scalar_one_or_none()


async def get_article(session: AsyncSession, guild_id: int, article_id: int) -> Article | None:
    article = await session.get(Article, article_id)
    return article if article is not None and article.guild_id == guild_id else None


async def add_article(
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    *,
    url: str,
    title: str,
    tags: Sequence[str],
    **fields: Any,
) -> Article:
    article = Article(guild_id=guild_id, url=url, title=title, created_at=now, **fields)
    article.search_text = search_text(article, tags)
    session.add(article)
    await session.flush()
    session.add_all(ArticleTag(article_id=article.id, guild_id=guild_id, tag=tag) for tag in tags)
    await session.flush()
    return article


async def add_vote(session: AsyncSession, article: Article, user_id: int, now: datetime) -> bool:
    """Counts a later share by ``user_id``; False when they shared or voted for it already."""
    if article.sharer_id == user_id:
        return False
    found = await session.execute(
        select(ArticleVote.id).where(ArticleVote.article_id == article.id, ArticleVote.user_id == user_id)
    )
    if found.first() is not None:
        return False
    session.add(ArticleVote(article_id=article.id, user_id=user_id, created_at=now))
    await session.flush()
    return True


async def add_save(session: AsyncSession, article: Article, user_id: int, now: datetime) -> bool:
    if await _find_save(session, article.id, user_id) is not None:
        return False
    session.add(
        ArticleSave(article_id=article.id, guild_id=article.guild_id, user_id=user_id, created_at=now)
    )
    await session.flush()
    return True


async def remove_save(session: AsyncSession, article_id: int, user_id: int) -> bool:
    found = await _find_save(session, article_id, user_id)
    if found is None:
        return False
    await session.delete(found)
    await session.flush()
    return True


async def _find_save(session: AsyncSession, article_id: int, user_id: int) -> ArticleSave | None:
    result = await session.execute(
        select(ArticleSave).where(ArticleSave.article_id == article_id, ArticleSave.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def tags_of(session: AsyncSession, article: Article) -> tuple[str, ...]:
    result = await session.execute(
        select(ArticleTag.tag).where(ArticleTag.article_id == article.id).order_by(ArticleTag.id)
    )
    return tuple(result.scalars())


async def views(session: AsyncSession, articles: Sequence[Article]) -> list[ArticleView]:
    """The articles, in the order given, with their tags and counts read in three queries."""
    ids = [article.id for article in articles]
    if not ids:
        return []
    tags: dict[int, list[str]] = {}
    for article_id, tag in await session.execute(
        select(ArticleTag.article_id, ArticleTag.tag)
        .where(ArticleTag.article_id.in_(ids))
        .order_by(ArticleTag.id)
    ):
        tags.setdefault(article_id, []).append(tag)
    votes = await _counts(session, ArticleVote.article_id, ids)
    saves = await _counts(session, ArticleSave.article_id, ids)
    return [
        ArticleView(
            article, tuple(tags.get(article.id, ())), votes.get(article.id, 0), saves.get(article.id, 0)
        )
        for article in articles
    ]


async def _counts(session: AsyncSession, article_id: Any, ids: Sequence[int]) -> dict[int, int]:
    result = await session.execute(
        select(article_id, func.count()).where(article_id.in_(ids)).group_by(article_id)
    )
    return dict(result.all())


async def page_of(session: AsyncSession, query: Select[tuple[Article]], page: int, per_page: int) -> Page:
    total = (
        await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ).scalar_one()
    result = await session.execute(query.limit(per_page).offset(page * per_page))
    return Page(await views(session, list(result.scalars())), page, total, per_page)


async def page_of_search(session: AsyncSession, found: Search, page: int, per_page: int) -> Page:
    """One page of a bounded search: its total says at most ``found.limit``, and ``more`` if there
    were more; pages past the last ranked match are empty."""
    for statement in found.setup:
        await session.execute(text(statement))
    rows = (await session.execute(found.page(page * per_page, per_page))).all()
    count = rows[0][1] if rows else 0
    if not rows and page:  # a page past the last match
        count = (await session.execute(found.count())).scalar_one()
    items = [row[0] for row in rows]
    total = min(count, found.limit)
    return Page(await views(session, items), page, total, per_page, more=count > found.limit)


def listed(guild_id: int) -> Select[tuple[Article]]:
    """The server's articles that moderators have not removed."""
    return select(Article).where(Article.guild_id == guild_id, Article.removed_at.is_(None))


def recent(guild_id: int) -> Select[tuple[Article]]:
    return listed(guild_id).order_by(Article.created_at.desc(), Article.id.desc())


def top(guild_id: int, since: datetime | None) -> Select[tuple[Article]]:
    """Most voted and saved first; ``since`` limits it to articles first shared after then."""
    votes = select(func.count()).where(ArticleVote.article_id == Article.id).scalar_subquery()
    saves = select(func.count()).where(ArticleSave.article_id == Article.id).scalar_subquery()
    query = listed(guild_id)
    if since is not None:
        query = query.where(Article.created_at >= since)
    return query.order_by((votes + saves).desc(), Article.created_at.desc(), Article.id.desc())


def saved_by(guild_id: int, user_id: int) -> Select[tuple[Article]]:
    return (
        listed(guild_id)
        .join(ArticleSave, ArticleSave.article_id == Article.id)
        .where(ArticleSave.user_id == user_id)
        .order_by(ArticleSave.created_at.desc(), ArticleSave.id.desc())
    )


async def tag_counts(session: AsyncSession, guild_id: int, limit: int = 50) -> list[tuple[str, int]]:
    count = func.count().label("n")
    result = await session.execute(
        select(ArticleTag.tag, count)
        .join(Article, Article.id == ArticleTag.article_id)
        .where(ArticleTag.guild_id == guild_id, Article.removed_at.is_(None))
        .group_by(ArticleTag.tag)
        .order_by(count.desc(), ArticleTag.tag)
        .limit(limit)
    )
    return [(tag, n) for tag, n in result]


async def tag_in_use(session: AsyncSession, guild_id: int, tag: str) -> bool:
    found = await session.execute(
        select(ArticleTag.id).where(ArticleTag.guild_id == guild_id, ArticleTag.tag == tag).limit(1)
    )
    return found.first() is not None


async def retag(session: AsyncSession, guild_id: int, old: str, new: str) -> int:
    """Every article of the server tagged ``old`` is tagged ``new`` instead (once, where it had both),
    its search text rewritten; returns how many articles changed."""
    tagged = list(
        (
            await session.execute(
                select(ArticleTag).where(ArticleTag.guild_id == guild_id, ArticleTag.tag == old)
            )
        ).scalars()
    )
    if not tagged:
        return 0
    ids = [row.article_id for row in tagged]
    had_new = set(
        (
            await session.execute(
                select(ArticleTag.article_id).where(ArticleTag.article_id.in_(ids), ArticleTag.tag == new)
            )
        ).scalars()
    )
    for row in tagged:
        if row.article_id in had_new:
            await session.delete(row)
        else:
            row.tag = new
    await session.flush()
    tags: dict[int, list[str]] = {}
    for article_id, tag in await session.execute(
        select(ArticleTag.article_id, ArticleTag.tag)
        .where(ArticleTag.article_id.in_(ids))
        .order_by(ArticleTag.id)
    ):
        tags.setdefault(article_id, []).append(tag)
    for article in (await session.execute(select(Article).where(Article.id.in_(ids)))).scalars():
        article.search_text = search_text(article, tags.get(article.id, ()))
    await session.flush()
    return len(ids)


# -- a member's data ------------------------------------------------------------------------


async def member_data(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    shared = await session.execute(
        select(Article).where(Article.guild_id == guild_id, Article.sharer_id == user_id).order_by(Article.id)
    )
    voted = await session.execute(
        select(Article.url)
        .join(ArticleVote, ArticleVote.article_id == Article.id)
        .where(Article.guild_id == guild_id, ArticleVote.user_id == user_id)
        .order_by(ArticleVote.id)
    )
    saved = await session.execute(
        select(Article.url)
        .join(ArticleSave, ArticleSave.article_id == Article.id)
        .where(ArticleSave.guild_id == guild_id, ArticleSave.user_id == user_id)
        .order_by(ArticleSave.id)
    )
    return {
        "shared": [
            {
                "id": a.id,
                "url": a.url,
                "title": a.title,
                "note": a.note,
                "shared_at": a.created_at.isoformat(),
            }
            for a in shared.scalars()
        ],
        "voted": list(voted.scalars()),
        "reading_list": list(saved.scalars()),
    }


async def count_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    shared = select(func.count()).where(Article.guild_id == guild_id, Article.sharer_id == user_id)
    voted = (
        select(func.count())
        .select_from(ArticleVote)
        .join(Article, Article.id == ArticleVote.article_id)
        .where(Article.guild_id == guild_id, ArticleVote.user_id == user_id)
    )
    saved = select(func.count()).where(ArticleSave.guild_id == guild_id, ArticleSave.user_id == user_id)
    return sum([(await session.execute(query)).scalar_one() for query in (shared, voted, saved)])


async def erase_member(session: AsyncSession, guild_id: int, user_id: int) -> int:
    """Shares and votes stay, without the member and their notes; the reading list goes."""
    count = await count_member(session, guild_id, user_id)
    shared = await session.execute(
        select(Article).where(Article.guild_id == guild_id, Article.sharer_id == user_id)
    )
    for article in shared.scalars():
        article.sharer_id = None
        article.note = None
        article.search_text = search_text(article, await tags_of(session, article))
    in_guild = select(Article.id).where(Article.guild_id == guild_id)
    await session.execute(
        update(ArticleVote)
        .where(ArticleVote.user_id == user_id, ArticleVote.article_id.in_(in_guild))
        .values(user_id=None)
    )
    await session.execute(
        delete(ArticleSave).where(ArticleSave.guild_id == guild_id, ArticleSave.user_id == user_id)
    )
    await session.flush()
    return count
