"""The article service on a real database (SQLite, and PostgreSQL when configured), reading pages
from the local test site: sharing, votes, the reading list, search, lists and a member's data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.articles.errors import ArticleError, UrlError
from bot.articles.service import ArticleService, Period, Shared, parse_share, parse_tag, parse_tags
from bot.articles.units import unit
from bot.clock import ManualClock
from bot.db import Database
from bot.db.core_repo import upsert_guild_settings
from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS, NestedSessionError
from bot.scheduler import JobScheduler, ScheduledJob, store
from tests.articles.site import Site

GUILD = 1
OTHER_GUILD = 2
START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
async def service(models_database_url: str, site: Site) -> AsyncIterator[ArticleService]:
    database = Database(models_database_url)
    try:
        yield ArticleService(database, ManualClock(START), fetch_options=site.fetch_options())
    finally:
        await database.dispose()


async def share(service: ArticleService, user: int, url: str, guild: int = GUILD, **fields: str):
    if await service.channel(guild) is None:
        await service.set_channel(guild, 900 + guild)
    return await service.share(guild, user, parse_share(url, **fields))


async def test_share_reads_the_page_then_a_second_share_counts_as_a_vote(service: ArticleService, site: Site):
    first = await share(
        service, 10, site.url("/article?utm_source=x#top"), note="worth it", tags="Night, 开放时间"
    )
    assert first.shared is Shared.POSTED
    article = first.view.article
    assert article.title == "Reading rooms that stay open late"
    assert article.site_name == "Riverside Library"
    assert article.language == "en-GB"
    assert article.url == site.url("/article")
    assert first.view.tags == ("night", "开放时间")

    again = await share(service, 11, site.url("/article"))
    assert again.shared is Shared.VOTED
    assert again.view.article.id == article.id
    assert again.view.votes == 1
    assert (await share(service, 11, site.url("/article?fbclid=1"))).shared is Shared.ALREADY
    assert (await share(service, 10, site.url("/article"))).shared is Shared.ALREADY
    # Another server is another community: its first share is a post.
    assert (await share(service, 11, site.url("/article"), guild=OTHER_GUILD)).shared is Shared.POSTED


async def test_a_page_that_cannot_be_read_is_shared_with_the_members_title_or_the_link(
    service: ArticleService, site: Site
):
    titled = await share(service, 10, site.url("/paper.pdf"), title="Annual report")
    assert titled.shared is Shared.POSTED
    assert titled.fetch_refusal is not None
    assert titled.view.article.title == "Annual report"
    untitled = await share(service, 10, site.url("/to-loopback"))
    assert untitled.fetch_refusal is not None
    assert untitled.view.article.title == site.url("/to-loopback")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"url": "ftp://example.org/x"}, "scheme"),
        ({"url": "example.org/x"}, None),
        ({"url": "https://example.org", "note": "x" * 501}, "too_long_field"),
        ({"url": "https://example.org", "note": "\u200b\u200b"}, "invisible"),
        ({"url": "https://example.org", "tags": "a,b,c,d,e,f"}, "too_many_tags"),
        ({"url": "https://example.org", "tags": "@everyone"}, "bad_tag"),
        ({"url": "https://example.org", "tags": "x" * 41}, "tag_too_long"),
    ],
)
def test_bad_input_is_refused_with_a_code(fields: dict[str, str], code: str | None):
    with pytest.raises(ArticleError) as refused:
        parse_share(**fields)
    if code == "scheme":
        assert isinstance(refused.value, UrlError)
    elif code is not None:
        assert refused.value.code == code


def test_tags_are_normalised_and_deduplicated():
    assert parse_tags(" #Open Hours，open-hours、Reading ;") == ("open-hours", "reading")
    assert parse_tags(None) == ()


async def test_save_unsave_and_the_reading_list(service: ArticleService, site: Site):
    article = (await share(service, 10, site.url("/article"))).view.article
    assert await service.save(GUILD, 20, article.id) is True
    assert await service.save(GUILD, 20, article.id) is False
    assert await service.save(OTHER_GUILD, 20, article.id) is None  # not this server's
    saved = await service.saved(GUILD, 20)
    assert [view.article.id for view in saved.items] == [article.id]
    assert saved.items[0].saves == 1
    assert await service.unsave(GUILD, 20, article.id) is True
    assert (await service.saved(GUILD, 20)).total == 0


async def _seed(service: ArticleService) -> dict[str, int]:
    ids = {}
    for user, (url, title, tags) in enumerate(
        [
            ("https://a.example/1", "Night opening hours at the library", "hours"),
            ("https://a.example/2", "图书馆夜间开放的经验分享", "hours, 中文"),
            ("https://a.example/3", "Cataloguing rare maps", "maps"),
            ("https://a.example/4", "Opening a branch in a school", ""),
        ],
        start=10,
    ):
        # These hosts are unknown to the test site's resolver: shared with the member's title.
        outcome = await share(service, user, url, title=title, tags=tags)
        ids[url] = outcome.view.article.id
        service.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    return ids


async def test_search_matches_words_and_chinese_substrings_ranked_and_paged(service: ArticleService):
    ids = await _seed(service)
    found = await service.search(GUILD, "opening")
    assert {view.article.id for view in found.items} == {
        ids["https://a.example/1"],
        ids["https://a.example/4"],
    }
    chinese = await service.search(GUILD, "夜间开放")
    assert [view.article.id for view in chinese.items] == [ids["https://a.example/2"]]
    two_characters = await service.search(GUILD, "开放")
    assert [view.article.id for view in two_characters.items] == [ids["https://a.example/2"]]
    both = await service.search(GUILD, "night library")
    assert [view.article.id for view in both.items] == [ids["https://a.example/1"]]
    assert (await service.search(GUILD, "hours", tag="中文")).total == 1
    assert (await service.search(GUILD, "maps", tag="hours")).total == 0
    assert (await service.search(OTHER_GUILD, "opening")).total == 0
    assert (await service.search(GUILD, '"; DROP TABLE articles; -- % _')).total == 0
    with pytest.raises(ArticleError):
        await service.search(GUILD, "\u200b ")


async def test_search_ranks_the_closer_match_first(service: ArticleService):
    await share(service, 10, "https://b.example/1", title="Library news", note="a note about maps")
    best = await share(service, 10, "https://b.example/2", title="Maps maps maps: the map room")
    found = await service.search(GUILD, "maps")
    assert found.total == 2
    assert found.items[0].article.id == best.view.article.id


async def test_search_ranks_by_each_words_repeats_and_text_length(service: ArticleService):
    """Every word counts for the rank; a capital SQLite does not fold still matches and ranks."""
    once = await share(service, 10, "https://b.example/once", title="Seed lending at the branch library")
    twice = await share(service, 10, "https://b.example/twice", title="Seed lending: seed swaps and lending")
    school = await share(service, 10, "https://b.example/ecole", title="ÉCOLE et bibliothèque")
    found = await service.search(GUILD, "seed lending")
    assert [view.article.id for view in found.items] == [twice.view.article.id, once.view.article.id]
    accented = await service.search(GUILD, "école")
    assert [view.article.id for view in accented.items] == [school.view.article.id]


async def test_search_pages(service: ArticleService):
    for number in range(12):
        await share(service, 10, f"https://c.example/{number}", title=f"Reading list {number}")
    first, last = await service.search(GUILD, "reading"), await service.search(GUILD, "reading", page=2)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (12, 3, 5, 2)
    assert not {v.article.id for v in first.items} & {v.article.id for v in last.items}


async def test_recent_top_tags_and_removal(service: ArticleService):
    ids = await _seed(service)
    recent = await service.recent(GUILD)
    assert [view.article.id for view in recent.items] == list(reversed(ids.values()))
    maps = ids["https://a.example/3"]
    await share(service, 99, "https://a.example/3")
    await service.save(GUILD, 98, maps)
    assert (await service.top(GUILD, Period.WEEK)).items[0].article.id == maps
    service.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    assert (await service.top(GUILD, Period.WEEK)).total == 0
    assert (await service.top(GUILD, Period.ALL)).items[0].article.id == maps
    assert await service.tags(GUILD) == [("hours", 2), ("maps", 1), ("中文", 1)]

    assert await service.remove(GUILD, maps, 1, "spam") is not None
    assert await service.remove(GUILD, maps, 1, "spam") is None
    assert (await service.search(GUILD, "maps")).total == 0
    assert await service.article(GUILD, maps) is None
    assert (await share(service, 77, "https://a.example/3")).shared is Shared.REMOVED


async def _tag_state(service: ArticleService) -> tuple[list[tuple[str, int]], int, int]:
    """The tags with their counts, and how many articles a search finds for "hours" and "times"."""
    hours, times = await service.search(GUILD, "hours"), await service.search(GUILD, "times")
    return await service.tags(GUILD), hours.total, times.total


async def test_a_tag_renamed_on_every_article_and_found_by_its_new_name(service: ArticleService):
    await _seed(service)
    await share(service, 12, "https://b.example/1", title="Late rooms", tags="hours", guild=OTHER_GUILD)

    renamed = await service.rename_tag(GUILD, "Hours", "#Opening Times", moderator_id=1)
    assert (renamed.old, renamed.new, renamed.articles) == ("hours", "opening-times", 2)
    assert await service.tags(GUILD) == [("opening-times", 2), ("maps", 1), ("中文", 1)]
    assert (await service.search(GUILD, "opening-times")).total == 2
    assert (await service.search(GUILD, "maps", tag="opening-times")).total == 0
    assert (await service.search(GUILD, "library", tag="opening-times")).total == 1
    # Another server's tag is its own.
    assert await service.tags(OTHER_GUILD) == [("hours", 1)]


async def test_merging_tags_keeps_each_article_tagged_once(service: ArticleService):
    ids = await _seed(service)
    await share(service, 30, "https://a.example/5", title="Quiet corners", tags="maps, hours")

    merged = await service.merge_tags(GUILD, "maps", "hours", moderator_id=1)
    assert merged.articles == 2
    assert await service.tags(GUILD) == [("hours", 4), ("中文", 1)]
    rare_maps = await service.article(GUILD, ids["https://a.example/3"])
    assert rare_maps is not None
    assert rare_maps.tags == ("hours",)
    assert (await service.search(GUILD, "cataloguing", tag="hours")).total == 1


@pytest.mark.parametrize(
    ("old", "new", "merge", "code"),
    [
        ("hours", "a, b", False, "one_tag"),
        ("hours", "<@1>", False, "bad_tag"),
        ("hours", "@everyone", True, "bad_tag"),
        ("hours", "\u200b\u200b", False, "empty_tag"),
        ("hours", "x" * 41, False, "tag_too_long"),
        ("hours", "x" * 5000, True, "tag_too_long"),
        ("hours", "Hours", False, "same_tag"),
        ("nothing", "other", False, "unknown_tag"),
        ("hours", "maps", False, "tag_in_use"),
        ("hours", "nothing", True, "unknown_tag"),
    ],
)
async def test_bad_tag_changes_are_refused_and_change_nothing(
    service: ArticleService, old: str, new: str, merge: bool, code: str
):
    await _seed(service)
    before = await _tag_state(service)
    change = service.merge_tags if merge else service.rename_tag
    with pytest.raises(ArticleError) as refused:
        await change(GUILD, old, new, 1)
    assert refused.value.code == code
    assert await _tag_state(service) == before


def test_one_tag_is_normalised_like_shared_tags():
    assert parse_tag(" #Open Hours ") == "open-hours"
    with pytest.raises(ArticleError):
        parse_tag("   ")


async def test_erase_keeps_shares_anonymised_and_drops_notes_and_reading_list(service: ArticleService):
    mine = (await share(service, 10, "https://d.example/1", title="Shared by me", note="secret note")).view
    theirs = (await share(service, 20, "https://d.example/2", title="Someone else's")).view
    await share(service, 10, "https://d.example/2")  # a vote
    await service.save(GUILD, 10, theirs.article.id)

    assert await service.count_member(GUILD, 10) == 3
    exported = await service.export_member(GUILD, 10)
    assert exported["shared"][0]["note"] == "secret note"
    assert exported["voted"] == ["https://d.example/2"]
    assert exported["reading_list"] == ["https://d.example/2"]

    assert await service.erase_member(GUILD, 10) == 3
    assert await service.count_member(GUILD, 10) == 0
    kept = await service.article(GUILD, mine.article.id)
    assert kept is not None
    assert (kept.article.sharer_id, kept.article.note) == (None, None)
    assert (await service.search(GUILD, "secret")).total == 0  # the note left the index too
    assert (await service.article(GUILD, theirs.article.id)).votes == 1  # type: ignore[union-attr]
    assert (await service.saved(GUILD, 10)).total == 0


async def test_the_weekly_digest_is_scheduled_in_the_servers_time_zone(models_database_url: str, site: Site):
    database = Database(models_database_url)
    clock = ManualClock(START)  # Friday 09:00 UTC
    async with database.session() as session:
        await upsert_guild_settings(session, GUILD, clock.now(), {"timezone": "Asia/Shanghai"})
    service = ArticleService(database, clock, scheduler=JobScheduler(database, clock, owner="tests"))
    try:
        due = await service.set_digest(GUILD, 0, 9)  # Mondays 09:00 in Shanghai
        assert due == datetime(2026, 3, 30, 1, 0, tzinfo=UTC)
        [job] = await _digest_jobs(database)
        assert (job.rule, job.timezone, job.payload) == (
            "weekly mon 09:00",
            "Asia/Shanghai",
            {"guild_id": GUILD},
        )

        async with database.session() as session:
            await upsert_guild_settings(session, GUILD, clock.now(), {}, timezone="Europe/Berlin")
        assert await service.timezone_changed(GUILD) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
        [job] = await _digest_jobs(database)
        assert job.timezone == "Europe/Berlin"

        assert await service.set_digest(GUILD, None, 9) is None
        assert await _digest_jobs(database) == []
        assert await service.timezone_changed(GUILD) is None
    finally:
        await database.dispose()


async def test_the_digest_holds_the_weeks_most_read_and_nothing_in_an_empty_week(service: ArticleService):
    old = (await share(service, 10, "https://e.example/old", title="Last month's news")).view
    service.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    assert await service.digest(GUILD, service.clock.now()) == []
    quiet = (await share(service, 10, "https://e.example/1", title="Quiet")).view
    loved = (await share(service, 11, "https://e.example/2", title="Loved")).view
    await service.save(GUILD, 20, loved.article.id)
    await service.save(GUILD, 20, old.article.id)
    digest = await service.digest(GUILD, service.clock.now())
    assert [view.article.id for view in digest] == [loved.article.id, quiet.article.id]


async def _digest_jobs(database: Database) -> list[ScheduledJob]:
    async with database.session() as session:
        return list(await store.upcoming_jobs(session, GUILD, kind="articles.digest", limit=10))


async def test_a_search_ranks_and_counts_only_its_newest_matches(service: ArticleService):
    """Over ``search_limit`` matches, the total says "more" and ranking keeps to the newest ones;
    pages still hold each of those once, best first."""
    service.search_limit = 6
    ids = []
    for number in range(9):
        # The oldest article is the best match (the word four times): it is past the newest six.
        title = "Maps maps maps maps" if number == 0 else f"Reading room {number} and its maps"
        ids.append((await share(service, 10, f"https://d.example/{number}", title=title)).view.article.id)
        service.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    best = (await share(service, 10, "https://d.example/best", title="Maps, maps and more maps")).view
    first = await service.search(GUILD, "maps")
    assert (first.total, first.more, first.pages) == (6, True, 2)
    assert first.items[0].article.id == best.article.id
    second = await service.search(GUILD, "maps", page=1)
    assert len(second.items) == 1
    seen = [view.article.id for view in first.items + second.items]
    assert sorted(seen) == sorted([best.article.id, *ids[-5:]])  # the newest six, each once
    assert ids[0] not in seen
    assert (await service.search(GUILD, "maps", page=2)).items == []
    exact = await service.search(GUILD, "maps", tag=None, page=0)
    assert exact.more
    short = await service.search(GUILD, "ma")  # too short to rank: newest first, counted as far
    assert (short.total, short.more) == (6, True)
    assert short.items[0].article.id == best.article.id
    service.search_limit = 100
    everything = await service.search(GUILD, "maps")
    assert (everything.total, everything.more) == (10, False)
    assert everything.items[0].article.id == ids[0]  # ranked among all: the best match first


async def test_sharing_without_an_articles_channel_changes_nothing(service: ArticleService, site: Site):
    with pytest.raises(ArticleError) as refused:
        await service.share(GUILD, 10, parse_share(site.url("/article")))
    assert refused.value.code == "no_channel"
    assert site.hits["/article"] == 0
    assert (await service.recent(GUILD)).total == 0


async def test_twenty_members_sharing_slow_pages_at_once_all_share(service: ArticleService, site: Site):
    """Twenty slow pages answer together and their transactions all queue at once: each share is
    stored (on SQLite they used to fail with "database is locked" after busy_timeout)."""
    await service.set_channel(GUILD, 900)
    outcomes = await asyncio.gather(
        *(service.share(GUILD, 100 + n, parse_share(site.url(f"/slow?n={n % 15}"))) for n in range(20))
    )
    assert sorted(outcome.shared for outcome in outcomes).count(Shared.POSTED) == 15
    assert sorted(outcome.shared for outcome in outcomes).count(Shared.VOTED) == 5
    assert (await service.recent(GUILD)).total == 15


async def test_a_unit_of_work_opened_inside_another_is_refused_not_left_waiting(service: ArticleService):
    async with unit(service.database):
        with pytest.raises(NestedSessionError):
            async with unit(service.database):
                pass


async def test_a_share_waits_its_turn_behind_a_long_sqlite_transaction(service: ArticleService, site: Site):
    """SQLite gives up on BEGIN IMMEDIATE after busy_timeout (5 s): a share queued behind other
    members' transactions for longer used to fail "database is locked". Queued in the process, it
    waits its turn however long the queue ahead of it."""
    if not service.database.is_sqlite:
        pytest.skip("PostgreSQL takes row locks: nothing to queue for")
    await service.set_channel(GUILD, 900)
    holding = asyncio.Event()

    async def long_transaction() -> None:
        async with unit(service.database) as session:
            await service_settings_touch(session)
            holding.set()
            await asyncio.sleep(SQLITE_BUSY_TIMEOUT_MS / 1000 + 0.5)

    ahead = asyncio.create_task(long_transaction())
    await holding.wait()
    outcome = await service.share(GUILD, 10, parse_share(site.url("/article")))
    assert outcome.shared is Shared.POSTED
    await ahead


async def service_settings_touch(session) -> None:  # type: ignore[no-untyped-def]
    """A write, so the transaction holds SQLite's write lock from here to its commit."""
    await session.execute(text("UPDATE article_settings SET updated_at = updated_at"))
