"""What members do with articles, as outcomes: no Discord here, and no translated text.

Each method is one unit of work with its own session. The page fetch in :meth:`ArticleService.share`
runs between two sessions, so no transaction stays open while a slow site answers; the cog defers
the interaction before calling it (Discord's 3 s deadline).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import text
from bot.articles import jobs, search
from bot.articles import repository as repo
from bot.articles.errors import ArticleError
from bot.articles.fetch import FetchRefusal
from bot.articles.meta import PageMeta, read_page
from bot.articles.models import Article, ArticleSettings
from bot.articles.repository import ArticleView, Page
from bot.articles.units import unit
from bot.articles.urls import canonical_url
from bot.clock import Clock
from bot.db import Database
from bot.db.core_repo import get_guild_settings
from bot.scheduler import JobScheduler

log = logging.getLogger("bot.articles")

NOTE_LIMIT = 500
TITLE_LIMIT = text.EMBED_TITLE
TAG_LIMIT = 40
MAX_TAGS = 5
# What a moderator may type for one tag before it is normalised (spaces, a leading #).
TAG_INPUT_LIMIT = 100
QUERY_LIMIT = 200
PER_PAGE = 5
_TAG_SEPARATORS = re.compile(r"[,，、;；]")

Reader = Callable[..., Awaitable[PageMeta | FetchRefusal]]


class Shared(StrEnum):
    POSTED = "posted"  # new here: the cog posts it, then calls ArticleService.posted
    VOTED = "voted"  # already shared by someone else: counted as a vote
    ALREADY = "already"  # this member shared or voted for it before: nothing changed
    REMOVED = "removed"  # moderators removed it: not posted again


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = "all"


_PERIOD_DAYS = {Period.WEEK: 7, Period.MONTH: 30, Period.YEAR: 365}


@dataclass(frozen=True)
class ShareOutcome:
    shared: Shared
    view: ArticleView
    # Why the page could not be read (a FetchRefusal code), when it was fetched and could not be.
    fetch_refusal: str | None = None
    # The articles channel, where the cog posts it.
    channel_id: int | None = None

    @property
    def needs_post(self) -> bool:
        """Listed but not posted: new, or an earlier post that did not go through (the cog posts
        it now, under the same nonce, so a post that did go through is not doubled)."""
        return self.shared is not Shared.REMOVED and self.view.article.message_id is None


@dataclass(frozen=True)
class Retagged:
    """A tag renamed or merged: ``articles`` is how many articles changed."""

    old: str
    new: str
    articles: int


@dataclass(frozen=True)
class ShareInput:
    url: str
    note: str | None
    tags: tuple[str, ...]
    title: str | None


def parse_share(
    url: str, note: str | None = None, tags: str | None = None, title: str | None = None
) -> ShareInput:
    """The member's input checked, or :class:`ArticleError` naming what to fix."""
    canonical = canonical_url(url)
    return ShareInput(
        canonical,
        _optional(note, NOTE_LIMIT, "note"),
        parse_tags(tags),
        _optional(title, TITLE_LIMIT, "title"),
    )


def parse_tags(value: str | None) -> tuple[str, ...]:
    """Tags split on commas (Chinese ones too), lower-case, spaces as hyphens, at most five."""
    if value is None:
        return ()
    tags: dict[str, None] = {}
    for raw in _TAG_SEPARATORS.split(value):
        tag = "-".join(raw.strip().lstrip("#").casefold().split())
        if not tag:
            continue
        if not text.has_visible_text(tag) or any(char in tag for char in "<>@`*_~|\\"):
            raise ArticleError("bad_tag", tag=tag)
        if len(tag) > TAG_LIMIT:
            raise ArticleError("tag_too_long", tag=tag, limit=TAG_LIMIT)
        tags.setdefault(tag, None)
    if len(tags) > MAX_TAGS:
        raise ArticleError("too_many_tags", limit=MAX_TAGS)
    return tuple(tags)


def parse_tag(value: str) -> str:
    """Exactly one tag, normalised as shares normalise theirs; :class:`ArticleError` otherwise."""
    if len(value) > TAG_INPUT_LIMIT:
        raise ArticleError("tag_too_long", tag=value, limit=TAG_LIMIT)
    if _TAG_SEPARATORS.search(value):
        raise ArticleError("one_tag", tag=value)
    tags = parse_tags(value) if text.has_visible_text(value) else ()
    if not tags:
        raise ArticleError("empty_tag", tag=value)
    return tags[0]


def _optional(value: str | None, limit: int, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    if not text.has_visible_text(value):
        raise ArticleError("invisible", field=field)
    value = value.strip()
    if len(value) > limit:
        raise ArticleError("too_long_field", field=field, limit=limit)
    return value


class ArticleService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        reader: Reader = read_page,
        fetch_options: Mapping[str, Any] | None = None,
        scheduler: JobScheduler | None = None,
        default_timezone: str = "UTC",
        search_limit: int = search.CANDIDATES,
    ) -> None:
        self.database = database
        self.clock = clock
        self.scheduler = scheduler
        self.default_timezone = default_timezone
        self.reader = reader
        # How many matches a search counts and ranks at most (see bot.articles.search).
        self.search_limit = search_limit
        # Tests pass a rule allowing their local site here; production keeps public addresses only.
        self.fetch_options = dict(fetch_options or {})

    # -- settings ---------------------------------------------------------------------------

    async def channel(self, guild_id: int) -> int | None:
        async with unit(self.database) as session:
            settings = await repo.get_settings(session, guild_id)
        return None if settings is None else settings.channel_id

    async def set_channel(self, guild_id: int, channel_id: int | None) -> None:
        async with unit(self.database) as session:
            await repo.save_settings(session, guild_id, self.clock.now(), channel_id=channel_id)

    async def settings(self, guild_id: int) -> ArticleSettings | None:
        async with unit(self.database) as session:
            return await repo.get_settings(session, guild_id)

    async def set_digest(self, guild_id: int, weekday: int | None, hour: int) -> datetime | None:
        """Turns the weekly digest on at ``weekday`` and ``hour`` in the server's time zone (or off
        with None); returns when the next one is due."""
        if not 0 <= hour <= 23 or (weekday is not None and not 0 <= weekday <= 6):
            raise ValueError("weekday 0-6 and hour 0-23")
        now = self.clock.now()
        async with unit(self.database) as session:
            await repo.save_settings(session, guild_id, now, digest_weekday=weekday, digest_hour=hour)
            timezone = await self._timezone(session, guild_id)
            due = await jobs.reschedule_digest(session, guild_id, weekday, hour, timezone, now)
        await self._notify(due)
        return due

    async def timezone_changed(self, guild_id: int) -> datetime | None:
        """The server's time zone changed: the digest keeps its local day and hour in the new zone."""
        now = self.clock.now()
        async with unit(self.database) as session:
            settings = await repo.get_settings(session, guild_id)
            if settings is None or settings.digest_weekday is None:
                return None
            timezone = await self._timezone(session, guild_id)
            due = await jobs.reschedule_digest(
                session, guild_id, settings.digest_weekday, settings.digest_hour, timezone, now
            )
        await self._notify(due)
        return due

    async def digest(self, guild_id: int, now: datetime) -> list[ArticleView]:
        """The week's most voted and saved articles; empty in a week nothing was shared."""
        async with unit(self.database) as session:
            since = now - timedelta(days=7)
            page = await repo.page_of(session, repo.top(guild_id, since), 0, jobs.DIGEST_SIZE)
        return page.items

    async def _timezone(self, session: AsyncSession, guild_id: int) -> str:
        guild = await get_guild_settings(session, guild_id)
        return guild.timezone if guild is not None and guild.timezone else self.default_timezone

    async def _notify(self, due: datetime | None) -> None:
        if due is not None and self.scheduler is not None:
            await self.scheduler.notify(due)

    # -- sharing ----------------------------------------------------------------------------

    async def share(self, guild_id: int, user_id: int, shared: ShareInput) -> ShareOutcome:
        """Shares the article, or counts a vote for the post already made (no fetch then).

        :class:`ArticleError` ``no_channel`` when moderators have chosen no articles channel:
        nothing changed then. Two short transactions around the page fetch, none held across it.
        """
        channel_id, known = await self._look_up(guild_id, user_id, shared.url)
        if known is not None:
            return known
        meta = await self.reader(shared.url, **self.fetch_options)
        refusal = meta.code if isinstance(meta, FetchRefusal) else None
        page = meta if isinstance(meta, PageMeta) else None
        title = shared.title or (page.title if page else None) or text.fit(shared.url, TITLE_LIMIT)
        try:
            async with unit(self.database) as session:
                article = await repo.add_article(
                    session,
                    guild_id,
                    self.clock.now(),
                    url=shared.url,
                    title=title,
                    tags=shared.tags,
                    description=page.description if page else None,
                    site_name=page.site_name if page else None,
                    language=page.language if page else None,
                    image_url=page.image_url if page else None,
                    sharer_id=user_id,
                    note=shared.note,
                )
        except IntegrityError:  # shared by someone else while this page was being read
            channel_id, known = await self._look_up(guild_id, user_id, shared.url)
            if known is None:
                raise
            return known
        # New: its tags are the ones just stored, and nobody voted for it or saved it yet.
        return ShareOutcome(Shared.POSTED, ArticleView(article, shared.tags, 0, 0), refusal, channel_id)

    async def _look_up(self, guild_id: int, user_id: int, url: str) -> tuple[int, ShareOutcome | None]:
        """The articles channel, and the outcome when the article is known here (a vote counted)."""
        async with unit(self.database) as session:
            settings = await repo.get_settings(session, guild_id)
            if settings is None or settings.channel_id is None:
                raise ArticleError("no_channel")
            article = await repo.find_by_url(session, guild_id, url)
            if article is None:
                return settings.channel_id, None
            if article.removed_at is not None:
                shared = Shared.REMOVED
            elif await repo.add_vote(session, article, user_id, self.clock.now()):
                shared = Shared.VOTED
            else:
                shared = Shared.ALREADY
            view = (await repo.views(session, [article]))[0]
            return settings.channel_id, ShareOutcome(shared, view, channel_id=settings.channel_id)

    async def posted(self, article_id: int, channel_id: int, message_id: int) -> None:
        """Remembers where the article was posted, so later shares can link to it."""
        async with unit(self.database) as session:
            article = await session.get(Article, article_id)
            if article is not None:
                article.channel_id = channel_id
                article.message_id = message_id

    async def article(self, guild_id: int, article_id: int) -> ArticleView | None:
        async with unit(self.database) as session:
            article = await repo.get_article(session, guild_id, article_id)
            if article is None or article.removed_at is not None:
                return None
            return (await repo.views(session, [article]))[0]

    # -- reading list -----------------------------------------------------------------------

    async def save(self, guild_id: int, user_id: int, article_id: int) -> bool | None:
        """True when saved, False when it was on the list already, None when there is no such article."""
        async with unit(self.database) as session:
            article = await repo.get_article(session, guild_id, article_id)
            if article is None or article.removed_at is not None:
                return None
            return await repo.add_save(session, article, user_id, self.clock.now())

    async def unsave(self, guild_id: int, user_id: int, article_id: int) -> bool:
        async with unit(self.database) as session:
            article = await repo.get_article(session, guild_id, article_id)
            return article is not None and await repo.remove_save(session, article_id, user_id)

    # -- finding ----------------------------------------------------------------------------

    async def search(
        self, guild_id: int, query: str, *, tag: str | None = None, language: str | None = None, page: int = 0
    ) -> Page:
        """Articles matching every word of ``query``, best first among the newest ``search_limit``
        matches; :class:`ArticleError` for an empty one."""
        if not text.has_visible_text(query):
            raise ArticleError("empty_query")
        if len(query) > QUERY_LIMIT:
            raise ArticleError("too_long_field", field="query", limit=QUERY_LIMIT)
        tags = parse_tags(tag)
        async with unit(self.database) as session:
            found = search.matching(
                repo.listed(guild_id),
                self.database.engine.dialect.name,
                search.terms(query),
                tag=tags[0] if tags else None,
                language=language.strip() if language and language.strip() else None,
                limit=self.search_limit,
            )
            return await repo.page_of_search(session, found, max(page, 0), PER_PAGE)

    async def recent(self, guild_id: int, page: int = 0) -> Page:
        async with unit(self.database) as session:
            return await repo.page_of(session, repo.recent(guild_id), max(page, 0), PER_PAGE)

    async def top(self, guild_id: int, period: Period = Period.WEEK, page: int = 0) -> Page:
        since = period_start(self.clock.now(), period)
        async with unit(self.database) as session:
            return await repo.page_of(session, repo.top(guild_id, since), max(page, 0), PER_PAGE)

    async def saved(self, guild_id: int, user_id: int, page: int = 0) -> Page:
        async with unit(self.database) as session:
            return await repo.page_of(session, repo.saved_by(guild_id, user_id), max(page, 0), PER_PAGE)

    async def tags(self, guild_id: int) -> list[tuple[str, int]]:
        async with unit(self.database) as session:
            return await repo.tag_counts(session, guild_id)

    # -- moderators -------------------------------------------------------------------------

    async def remove(self, guild_id: int, article_id: int, moderator_id: int, reason: str) -> Article | None:
        """Takes the article out of every list (logged); None when there is no such article."""
        async with unit(self.database) as session:
            article = await repo.get_article(session, guild_id, article_id)
            if article is None or article.removed_at is not None:
                return None
            article.removed_at = self.clock.now()
        log.info(
            "article %s removed in guild %s by moderator %s: %s",
            article_id,
            guild_id,
            moderator_id,
            text.single_line(reason)[:200],
        )
        return article

    async def rename_tag(self, guild_id: int, old: str, new: str, moderator_id: int) -> Retagged:
        """Renames a tag on every article (logged); a name already in use is refused: merge instead."""
        return await self._retag(guild_id, old, new, moderator_id, merge=False)

    async def merge_tags(self, guild_id: int, source: str, target: str, moderator_id: int) -> Retagged:
        """Every article tagged ``source`` is tagged ``target`` instead (logged); both must be in use,
        so a mistyped target is not created by accident."""
        return await self._retag(guild_id, source, target, moderator_id, merge=True)

    async def _retag(self, guild_id: int, old: str, new: str, moderator_id: int, *, merge: bool) -> Retagged:
        old_tag, new_tag = parse_tag(old), parse_tag(new)
        if old_tag == new_tag:
            raise ArticleError("same_tag", tag=new)
        # One transaction: an error raised here rolls every change back.
        async with unit(self.database) as session:
            if not await repo.tag_in_use(session, guild_id, old_tag):
                raise ArticleError("unknown_tag", tag=old)
            if await repo.tag_in_use(session, guild_id, new_tag) != merge:
                raise ArticleError("unknown_tag" if merge else "tag_in_use", tag=new)
            changed = await repo.retag(session, guild_id, old_tag, new_tag)
        log.info(
            "tag %r %s %r in guild %s by moderator %s: %s articles",
            old_tag,
            "merged into" if merge else "renamed to",
            new_tag,
            guild_id,
            moderator_id,
            changed,
        )
        return Retagged(old_tag, new_tag, changed)

    # -- a member's data (the feature registry's hooks) ------------------------------------

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        async with unit(self.database) as session:
            return await repo.member_data(session, guild_id, user_id)

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        async with unit(self.database) as session:
            return await repo.erase_member(session, guild_id, user_id)

    async def count_member(self, guild_id: int, user_id: int) -> int:
        async with unit(self.database) as session:
            return await repo.count_member(session, guild_id, user_id)


def period_start(now: datetime, period: Period) -> datetime | None:
    days = _PERIOD_DAYS.get(period)
    return None if days is None else now - timedelta(days=days)
