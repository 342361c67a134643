"""Partner newsletters by feed: RSS and Atom read with feedparser, and the rules for polling them.

The rules are pure functions of what was stored and the clock's "now", so the scheduler, the cog
and the tests all ask the same questions: which headers make a cheap conditional request, which
items are new, when to poll next, when to tell the moderators.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
from selectolax.lexbor import LexborHTMLParser

from bot import text
from bot.articles.errors import ArticleError, UrlError
from bot.articles.fetch import FetchRefusal, fetch
from bot.articles.meta import DESCRIPTION_LIMIT, TITLE_LIMIT, language_tag
from bot.articles.urls import canonical_url

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml"}
)
POLL_INTERVAL = timedelta(minutes=30)
MAX_BACKOFF = timedelta(hours=24)
# Consecutive failures after which the moderators hear about it: with the backoff below, the
# fifth failure comes about 15 hours after the first.
REPORT_AFTER = 5
MAX_POSTS_PER_POLL = 5
REMEMBERED_IDS = 500
MAX_ID_LENGTH = 255
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FeedError(ArticleError):
    """A body that holds no RSS or Atom feed."""


@dataclass(frozen=True)
class FeedItem:
    id: str
    link: str | None  # canonical, so an item also shared by hand is the same article
    title: str | None
    summary: str | None
    published: datetime | None  # UTC


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    link: str | None
    language: str | None
    items: tuple[FeedItem, ...]  # in the feed's order


@dataclass(frozen=True)
class NotModified:
    """The server said the feed has not changed since the stored ETag or Last-Modified."""

    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class FeedFetch:
    feed: Feed
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class PollPlan:
    post: tuple[FeedItem, ...]  # oldest first, the order to post them in
    skipped: int  # new items recorded without a post, beyond the per-poll cap
    seen: tuple[str, ...]  # the ids to store for the next poll


def parse_feed(data: bytes, url: str) -> Feed:
    """The feed in ``data``, or :class:`FeedError`. ``url`` is the address the feed was added
    with: relative links resolve against it, and permalink ids stay the same when it redirects.

    An item is known by its guid (RSS) or id (Atom), else by its canonical link; an item with
    neither cannot be told apart from the next one and is left out.
    """
    # A file object, never bytes or a string: feedparser would open those as a path or a URL.
    # Its HTML sanitizer is skipped: every text is reduced to plain text below, which halves the
    # time a large feed takes. Links are still resolved against ``url``.
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-location": url},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.get("entries"):
        raise FeedError("not_a_feed")
    channel = parsed.feed
    items = []
    for entry in parsed.entries:
        link = _canonical_or_none(entry.get("link"))
        identity = (entry.get("id") or "").strip() or link
        if not identity:
            continue
        items.append(
            FeedItem(
                id=_bounded_id(identity),
                link=link,
                title=_plain(entry.get("title"), TITLE_LIMIT),
                summary=_plain(entry.get("summary"), DESCRIPTION_LIMIT),
                published=_utc(entry.get("published_parsed") or entry.get("updated_parsed")),
            )
        )
    return Feed(
        url=url,
        title=_plain(channel.get("title"), TITLE_LIMIT),
        link=_canonical_or_none(channel.get("link")),
        language=language_tag(channel.get("language")),
        items=tuple(items),
    )


async def read_feed(
    url: str, *, etag: str | None = None, last_modified: str | None = None, **fetch_options: Any
) -> FeedFetch | NotModified | FetchRefusal:
    """Fetch ``url`` with the page fetch's safety and limits, conditionally on what was stored,
    and parse it in a thread. A feed longer than the size cap is refused (``too_large``): a feed
    cut in the middle is broken XML, not a shorter feed."""
    headers = conditional_headers(etag, last_modified)
    result = await fetch(url, accept=FEED_TYPES, headers=headers, **fetch_options)
    if isinstance(result, FetchRefusal):
        return result
    if result.not_modified:
        return NotModified(result.etag or etag, result.last_modified or last_modified)
    if result.truncated:
        return FetchRefusal("too_large", result.url, {"limit": len(result.body)})
    try:
        feed = await asyncio.to_thread(parse_feed, result.body, url)
    except FeedError:
        return FetchRefusal("not_a_feed", result.url)
    return FeedFetch(feed, result.etag, result.last_modified)


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Headers that let the server answer 304 when nothing changed since the stored values."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def plan_poll(
    items: Sequence[FeedItem],
    seen_ids: Sequence[str] | None,
    *,
    max_posts: int = MAX_POSTS_PER_POLL,
    remember: int = REMEMBERED_IDS,
) -> PollPlan:
    """Which items to post after a poll, and which ids to remember (newest first).

    ``seen_ids`` is None before the first poll of a feed. That first poll posts nothing and only
    records what is there: adding a feed must not flood the channel with its back issues, and
    "the newest one" would be an old item too for a feed that posts monthly. The moderator who
    adds it sees the feed's title and newest item in the answer to ``/feed add`` instead.

    Later polls post the items whose ids were not seen, oldest first, at most ``max_posts``
    (the newest ones); more than that at once means a site changed its ids or republished its
    archive, and the rest are recorded without a post and counted in ``skipped``.
    """
    current_ids = _unique(item.id for item in items)
    if seen_ids is None:
        return PollPlan(post=(), skipped=0, seen=tuple(current_ids))
    seen = set(seen_ids)
    new = [item for item in _unique_items(items) if item.id not in seen]
    newest_first = _newest_first(new)
    posted = newest_first[:max_posts]
    # Ids still in the feed are always kept, or an item would come back as new next time.
    in_feed = set(current_ids)
    kept = current_ids + [identity for identity in seen_ids if identity not in in_feed]
    return PollPlan(
        post=tuple(reversed(posted)),
        skipped=len(newest_first) - len(posted),
        seen=tuple(kept[: max(remember, len(current_ids))]),
    )


def next_poll(failures: int, now: datetime, *, interval: timedelta = POLL_INTERVAL) -> datetime:
    """When to poll next, given the consecutive failures so far (0 after a success): the interval,
    doubled for each failure, at most ``MAX_BACKOFF``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if failures < 0:
        raise ValueError("failures cannot be negative")
    delay = interval * (2 ** min(failures, 32))
    return now + min(delay, max(MAX_BACKOFF, interval))


def should_report(failures: int) -> bool:
    """Whether this failure is the one to tell the moderators about: once per failing streak,
    when it reaches ``REPORT_AFTER`` (a success resets the count, and with it the report)."""
    return failures == REPORT_AFTER


def _newest_first(items: list[FeedItem]) -> list[FeedItem]:
    # Dates decide when every item has one; otherwise trust the feed, which lists newest first.
    if items and all(item.published is not None for item in items):
        return sorted(items, key=lambda item: item.published or _EPOCH, reverse=True)
    return list(items)


def _unique(ids: Any) -> list[str]:
    return list(dict.fromkeys(ids))


def _unique_items(items: Sequence[FeedItem]) -> list[FeedItem]:
    by_id: dict[str, FeedItem] = {}
    for item in items:
        by_id.setdefault(item.id, item)
    return list(by_id.values())


def _bounded_id(identity: str) -> str:
    if len(identity) <= MAX_ID_LENGTH:
        return identity
    return "sha256:" + hashlib.sha256(identity.encode()).hexdigest()


def _canonical_or_none(link: str | None) -> str | None:
    if not link:
        return None
    try:
        return canonical_url(link)
    except UrlError:
        return None


def _plain(value: str | None, limit: int) -> str | None:
    """Feed text as one plain line: feeds put HTML in titles and summaries."""
    if not value:
        return None
    plain = value
    if "<" in value:
        tree = LexborHTMLParser(value)
        tree.strip_tags(["script", "style", "template", "noscript"])
        plain = tree.text(separator=" ")
    line = text.single_line(plain)
    return text.fit(line, limit) if text.has_visible_text(line) else None


def _utc(parsed: Any) -> datetime | None:
    if parsed is None:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None
