"""Feeds on a real database, read from a local newsletter the tests change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.articles.errors import ArticleError
from bot.articles.feed_service import POLL, FeedService
from bot.articles.feeds import REPORT_AFTER
from bot.articles.models import Article
from bot.clock import ManualClock
from bot.db import Database
from bot.scheduler import ScheduledJob, store
from tests.articles.feed_site import Newsletter, newsletter

GUILD = 1
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
async def letter() -> AsyncIterator[Newsletter]:
    async with newsletter() as running:
        yield running


@pytest.fixture
async def service(models_database_url: str, letter: Newsletter) -> AsyncIterator[FeedService]:
    database = Database(models_database_url)
    try:
        yield FeedService(database, ManualClock(START), fetch_options=letter.fetch_options())
    finally:
        await database.dispose()


async def polls(service: FeedService) -> list[ScheduledJob]:
    async with service.database.session() as session:
        return list(await store.upcoming_jobs(session, GUILD, kind=POLL, limit=50))


async def test_adding_a_feed_posts_nothing_old_then_new_issues_become_articles(
    service: FeedService, letter: Newsletter
):
    added = await service.add(GUILD, letter.url, None, added_by=5)
    assert added.feed.title == "Partner news"
    assert added.newest is not None
    assert added.newest.title == "First issue"
    [job] = await polls(service)
    assert job.due_at == START + timedelta(minutes=30)

    unchanged = await service.poll(added.feed.id)
    assert unchanged is not None
    assert unchanged.posts == []
    assert letter.requests[-1].get("If-None-Match") == '"1"'  # a conditional request

    letter.issues.insert(0, ("issue-2", "Second issue"))
    polled = await service.poll(added.feed.id)
    assert polled is not None
    assert [(article.title, article.sharer_id) for article, _item in polled.posts] == [("Second issue", None)]
    again = await service.poll(added.feed.id)
    assert again is not None
    assert again.posts == []  # deduped
    async with service.database.session() as session:
        titles = list((await session.execute(select(Article.title))).scalars())
    assert titles == ["Second issue"]


async def test_a_failing_feed_backs_off_and_is_reported_once(service: FeedService, letter: Newsletter):
    added = await service.add(GUILD, letter.url, None, added_by=5)
    letter.down = True
    reports = []
    for _ in range(REPORT_AFTER + 2):
        polled = await service.poll(added.feed.id)
        assert polled is not None
        reports.append(polled.report)
    assert reports.count(True) == 1
    assert polled.feed.failures == REPORT_AFTER + 2
    assert polled.feed.next_poll_at - START >= timedelta(hours=12)  # backed off
    letter.down = False
    recovered = await service.poll(added.feed.id)
    assert recovered is not None
    assert recovered.feed.failures == 0


async def test_refusals_duplicates_and_removal(service: FeedService, letter: Newsletter):
    with pytest.raises(ArticleError) as refused:
        await service.add(GUILD, "ftp://partner.example/feed", None, added_by=5)
    assert refused.value.code == "scheme"
    with pytest.raises(ArticleError) as not_public:
        await service.add(GUILD, "http://127.0.0.1:9/feed.xml", None, added_by=5)  # loopback, not allowed
    assert not_public.value.code not in {"duplicate", "too_many"}
    added = await service.add(GUILD, letter.url, None, added_by=5)
    with pytest.raises(ArticleError) as duplicate:
        await service.add(GUILD, letter.url, None, added_by=5)
    assert duplicate.value.code == "duplicate"
    assert [feed.id for feed in await service.feeds_of(GUILD)] == [added.feed.id]
    assert await service.remove(GUILD + 1, added.feed.id) is None
    assert await service.remove(GUILD, added.feed.id) is not None
    assert await service.poll(added.feed.id) is None  # the chain of polls stops
    assert await service.feeds_of(GUILD) == []
