"""Partner newsletters by feed, as outcomes: adding, listing, removing and polling feeds.

The rules (conditional requests, which items are new, backoff, when to report) live in
:mod:`bot.articles.feeds`; this module stores their results. Each poll is a one-off job that
schedules the next one in the same transaction as the feed's new state; a removed feed's job
finds no feed and stops the chain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.articles import feeds, search
from bot.articles.errors import ArticleError
from bot.articles.feeds import FeedFetch, FeedItem, NotModified
from bot.articles.fetch import FetchRefusal
from bot.articles.models import Article, ArticleFeed
from bot.articles.urls import canonical_url
from bot.clock import Clock
from bot.db import Database
from bot.i18n import N_
from bot.scheduler import JobScheduler, store

POLL = "articles.feed_poll"
LABELS = {POLL: N_("feed check")}
MAX_FEEDS_PER_SERVER = 25

FeedReader = Callable[..., Awaitable[FeedFetch | NotModified | FetchRefusal]]


class FeedRefusedError(ArticleError):
    """A feed that cannot be added: ``code`` is a fetch refusal, ``duplicate`` or ``too_many``."""


@dataclass(frozen=True)
class Added:
    feed: ArticleFeed
    newest: FeedItem | None  # shown to the moderator instead of flooding the channel


@dataclass(frozen=True)
class Polled:
    feed: ArticleFeed
    posts: list[tuple[Article, FeedItem]]  # new articles to post, oldest first
    report: bool  # this failure is the one to tell the moderators about


def poll_key(feed_id: int, due: datetime) -> str:
    return f"{POLL}:{feed_id}:{due.astimezone(UTC).isoformat()}"


class FeedService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        scheduler: JobScheduler | None = None,
        reader: FeedReader = feeds.read_feed,
        fetch_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.reader = reader
        self.fetch_options = dict(fetch_options or {})

    async def add(self, guild_id: int, url: str, channel_id: int | None, added_by: int) -> Added:
        """Reads the feed once (recording what is there, posting nothing) and starts polling it;
        :class:`ArticleError` when the link or the feed is refused."""
        canonical = canonical_url(url)
        async with self.database.session() as session:
            if await _find(session, guild_id, canonical) is not None:
                raise FeedRefusedError("duplicate")
            if len(await _feeds(session, guild_id)) >= MAX_FEEDS_PER_SERVER:
                raise FeedRefusedError("too_many", limit=MAX_FEEDS_PER_SERVER)
        read = await self.reader(canonical, **self.fetch_options)
        if isinstance(read, FetchRefusal):
            raise FeedRefusedError(read.code)
        if isinstance(read, NotModified):  # nothing was sent, so nothing was stored: cannot be
            raise FeedRefusedError("not_a_feed")
        now = self.clock.now()
        plan = feeds.plan_poll(read.feed.items, None)
        due = feeds.next_poll(0, now)
        async with self.database.session() as session:
            feed = ArticleFeed(
                guild_id=guild_id,
                url=canonical,
                channel_id=channel_id,
                title=read.feed.title,
                etag=read.etag,
                last_modified=read.last_modified,
                seen_ids=list(plan.seen),
                failures=0,
                next_poll_at=due,
                added_by=added_by,
                created_at=now,
            )
            session.add(feed)
            await session.flush()
            await self._schedule(session, feed, now)
        await self._notify(due)
        newest = max(read.feed.items, key=lambda item: item.published or now, default=None)
        return Added(feed, newest)

    async def feeds_of(self, guild_id: int) -> list[ArticleFeed]:
        async with self.database.session() as session:
            return await _feeds(session, guild_id)

    async def remove(self, guild_id: int, feed_id: int) -> ArticleFeed | None:
        async with self.database.session() as session:
            feed = await session.get(ArticleFeed, feed_id)
            if feed is None or feed.guild_id != guild_id:
                return None
            await session.delete(feed)
        return feed

    async def poll(self, feed_id: int) -> Polled | None:
        """One poll: new items become articles (one already shared by hand is not posted again);
        None when the feed was removed."""
        async with self.database.session() as session:
            feed = await session.get(ArticleFeed, feed_id)
            if feed is None:
                return None
            url, etag, last_modified = feed.url, feed.etag, feed.last_modified
        read = await self.reader(url, etag=etag, last_modified=last_modified, **self.fetch_options)
        now = self.clock.now()
        posts: list[tuple[Article, FeedItem]] = []
        async with self.database.session() as session:
            feed = await session.get(ArticleFeed, feed_id)
            if feed is None:
                return None
            if isinstance(read, FetchRefusal):
                feed.failures += 1
                feed.last_error = read.code[:64]
            else:
                feed.failures, feed.last_error = 0, None
                feed.etag, feed.last_modified = read.etag, read.last_modified
                if isinstance(read, FeedFetch):
                    plan = feeds.plan_poll(read.feed.items, feed.seen_ids)
                    feed.seen_ids = list(plan.seen)
                    feed.title = read.feed.title or feed.title
                    for item in plan.post:
                        article = await _new_article(session, feed, item, read.feed.language, now)
                        if article is not None:
                            posts.append((article, item))
            feed.next_poll_at = feeds.next_poll(feed.failures, now)
            await self._schedule(session, feed, now)
            report = isinstance(read, FetchRefusal) and feeds.should_report(feed.failures)
        await self._notify(feed.next_poll_at)
        return Polled(feed, posts, report)

    async def posted(self, article_id: int, channel_id: int, message_id: int) -> None:
        async with self.database.session() as session:
            article = await session.get(Article, article_id)
            if article is not None:
                article.channel_id, article.message_id = channel_id, message_id

    async def _schedule(self, session: AsyncSession, feed: ArticleFeed, now: datetime) -> None:
        await store.schedule(
            session,
            POLL,
            {"feed_id": feed.id},
            feed.next_poll_at,
            now=now,
            dedupe_key=poll_key(feed.id, feed.next_poll_at),
            guild_id=feed.guild_id,
        )

    async def _notify(self, due: datetime) -> None:
        if self.scheduler is not None:
            await self.scheduler.notify(due)


async def _find(session: AsyncSession, guild_id: int, url: str) -> ArticleFeed | None:
    result = await session.execute(
        select(ArticleFeed).where(ArticleFeed.guild_id == guild_id, ArticleFeed.url == url)
    )
    return result.scalar_one_or_none()


async def _feeds(session: AsyncSession, guild_id: int) -> list[ArticleFeed]:
    result = await session.execute(
        select(ArticleFeed).where(ArticleFeed.guild_id == guild_id).order_by(ArticleFeed.id)
    )
    return list(result.scalars())


async def _new_article(
    session: AsyncSession, feed: ArticleFeed, item: FeedItem, language: str | None, now: datetime
) -> Article | None:
    if item.link is None:
        return None
    found = await session.execute(
        select(Article.id).where(Article.guild_id == feed.guild_id, Article.url == item.link)
    )
    if found.first() is not None:
        return None
    article = Article(
        guild_id=feed.guild_id,
        url=item.link,
        title=item.title or feed.title or item.link[:256],
        description=item.summary,
        site_name=feed.title,
        language=language,
        sharer_id=None,
        created_at=now,
    )
    article.search_text = search.search_text(article, ())
    session.add(article)
    await session.flush()
    return article
