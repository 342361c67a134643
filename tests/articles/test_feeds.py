"""Feeds: parsing RSS and Atom, conditional polling against the test site, and the polling rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.articles.feeds import (
    MAX_BACKOFF,
    POLL_INTERVAL,
    REPORT_AFTER,
    FeedError,
    FeedFetch,
    FeedItem,
    NotModified,
    conditional_headers,
    next_poll,
    parse_feed,
    plan_poll,
    read_feed,
    should_report,
)
from bot.articles.fetch import FetchRefusal
from bot.clock import ManualClock
from tests.articles.site import ATOM_FEED, FEED_ETAG, FEED_LAST_MODIFIED, OPENGRAPH_PAGE, RSS_FEED

FEED_URL = "https://riverside.example/feed.rss"
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


def item(identity: str, day: int | None = None) -> FeedItem:
    published = datetime(2026, 6, day, tzinfo=UTC) if day is not None else None
    return FeedItem(id=identity, link=None, title=identity, summary=None, published=published)


def test_rss_items_are_known_by_guid_else_by_canonical_link():
    feed = parse_feed(RSS_FEED, FEED_URL)
    assert feed.title == "Riverside Library news"
    assert feed.link == "https://riverside.example/"
    assert [entry.id for entry in feed.items] == [
        "post-3",
        "https://riverside.example/2",  # no guid: its link, made absolute and canonical
        "https://riverside.example/post-1",  # a permalink guid, resolved against the feed's address
    ]
    assert feed.items[0].link == "https://riverside.example/3"  # tracking parameter gone
    assert feed.items[0].published == datetime(2026, 6, 3, 9, 0, tzinfo=UTC)
    assert [entry.title for entry in feed.items] == ["Third post", "Second post", "First post"]


def test_atom_in_chinese():
    feed = parse_feed(ATOM_FEED, "https://sister.example/feed.atom")
    assert feed.title == "姊妹图书馆通讯"
    assert feed.language == "zh-CN"
    assert [(entry.id, entry.title) for entry in feed.items] == [
        ("urn:uuid:issue-2", "第二期"),
        ("urn:uuid:issue-1", "第一期"),
    ]
    assert feed.items[0].summary == "本期介绍夜间开放。"
    assert feed.items[1].published == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_html_in_feed_text_becomes_one_plain_line():
    rss = b"""<rss version="2.0"><channel><title>T</title><item><guid>a</guid>
    <title>Fish &amp; chips</title>
    <description>&lt;p&gt;First &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;
    &lt;style&gt;p {color: red}&lt;/style&gt;&lt;p&gt;second&lt;/p&gt;</description>
    </item></channel></rss>"""
    entry = parse_feed(rss, FEED_URL).items[0]
    assert entry.title == "Fish & chips"
    assert entry.summary == "First bold second"


def test_an_item_with_neither_id_nor_link_is_left_out_and_long_ids_are_bounded():
    long_guid = "x" * 1000
    rss = f"""<rss version="2.0"><channel><title>T</title>
    <item><title>nameless</title></item>
    <item><guid isPermaLink="false">{long_guid}</guid><title>long</title></item>
    </channel></rss>""".encode()
    items = parse_feed(rss, FEED_URL).items
    assert [entry.title for entry in items] == ["long"]
    assert items[0].id.startswith("sha256:")
    assert len(items[0].id) <= 255


@pytest.mark.parametrize("body", [OPENGRAPH_PAGE, b"", b"not xml at all"])
def test_what_is_not_a_feed_is_refused(body):
    with pytest.raises(FeedError) as caught:
        parse_feed(body, FEED_URL)
    assert caught.value.code == "not_a_feed"


def test_a_body_that_names_a_local_file_is_not_read_as_that_file(tmp_path):
    local = tmp_path / "secret.rss"
    local.write_bytes(RSS_FEED)
    with pytest.raises(FeedError):
        parse_feed(str(local).encode(), FEED_URL)


@pytest.mark.parametrize(
    ("path", "title"), [("/feed.rss", "Riverside Library news"), ("/feed.atom", "姊妹图书馆通讯")]
)
async def test_polling_the_test_site_with_etag_and_last_modified(site, path, title):
    first = await read_feed(site.url(path), **site.fetch_options())
    assert isinstance(first, FeedFetch), first
    assert first.feed.title == title
    assert (first.etag, first.last_modified) == (FEED_ETAG, FEED_LAST_MODIFIED)

    again = await read_feed(site.url(path), etag=first.etag, last_modified=first.last_modified,
                            **site.fetch_options())
    assert again == NotModified(FEED_ETAG, FEED_LAST_MODIFIED)

    by_date = await read_feed(site.url(path), last_modified=FEED_LAST_MODIFIED, **site.fetch_options())
    assert isinstance(by_date, NotModified)

    stale = await read_feed(site.url(path), etag='"old"', **site.fetch_options())
    assert isinstance(stale, FeedFetch)
    assert site.hits[path] == 4


async def test_feed_fetch_refuses_html_and_the_default_rule_refuses_the_site(site):
    html = await read_feed(site.url("/feed-as-html"), **site.fetch_options())
    assert html == FetchRefusal("content_type", site.url("/feed-as-html"), {"content_type": "text/html"})
    outside_rule = await read_feed(site.url("/feed.rss"), resolver=site.resolver)
    assert isinstance(outside_rule, FetchRefusal)
    assert outside_rule.code == "address_refused"


async def test_a_feed_over_the_cap_is_refused_not_cut(site):
    result = await read_feed(site.url("/feed.rss"), max_bytes=200, **site.fetch_options())
    assert isinstance(result, FetchRefusal)
    assert result.code == "too_large"


def test_conditional_headers():
    assert conditional_headers(None, None) == {}
    assert conditional_headers('"v1"', None) == {"If-None-Match": '"v1"'}
    assert conditional_headers('"v1"', FEED_LAST_MODIFIED) == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": FEED_LAST_MODIFIED,
    }


def test_the_first_poll_posts_nothing_and_remembers_everything():
    items = [item("c", 3), item("b", 2), item("a", 1)]
    plan = plan_poll(items, None)
    assert plan.post == ()
    assert plan.skipped == 0
    assert plan.seen == ("c", "b", "a")


def test_an_empty_feed_at_first_still_posts_what_comes_later():
    first = plan_poll([], None)
    assert first.seen == ()
    later = plan_poll([item("a", 1)], first.seen)
    assert [entry.id for entry in later.post] == ["a"]


def test_new_items_are_posted_oldest_first_and_seen_ones_never_again():
    seen = ("b", "a")
    plan = plan_poll([item("d", 4), item("c", 3), item("b", 2), item("a", 1)], seen)
    assert [entry.id for entry in plan.post] == ["c", "d"]
    assert plan.seen == ("d", "c", "b", "a")
    assert plan_poll([item("d", 4), item("c", 3)], plan.seen).post == ()


def test_dates_decide_the_order_when_every_new_item_has_one():
    plan = plan_poll([item("old", 1), item("new", 5), item("mid", 3)], ())
    assert [entry.id for entry in plan.post] == ["old", "mid", "new"]


def test_without_dates_the_feed_order_is_newest_first():
    plan = plan_poll([item("z"), item("y"), item("x")], ())
    assert [entry.id for entry in plan.post] == ["x", "y", "z"]


def test_a_flood_of_new_ids_posts_only_the_newest_few():
    items = [item(f"i{day}", day) for day in range(30, 0, -1)]
    plan = plan_poll(items, ("old",), max_posts=5)
    assert [entry.id for entry in plan.post] == ["i26", "i27", "i28", "i29", "i30"]
    assert plan.skipped == 25
    assert plan_poll(items, plan.seen).post == ()


def test_repeated_ids_in_one_feed_post_once():
    plan = plan_poll([item("a", 2), item("a", 2)], ())
    assert [entry.id for entry in plan.post] == ["a"]
    assert plan.seen == ("a",)


def test_remembered_ids_are_bounded_but_the_current_feed_is_always_kept():
    old = tuple(f"old{number}" for number in range(20))
    plan = plan_poll([item("new", 1)], old, remember=10)
    assert plan.seen == ("new", *old[:9])
    big = [item(f"n{number}") for number in range(15)]
    assert len(plan_poll(big, old, remember=10).seen) == 15


def test_next_poll_backs_off_and_is_capped():
    clock = ManualClock(NOW)
    assert next_poll(0, clock.now()) == NOW + POLL_INTERVAL
    assert next_poll(1, clock.now()) == NOW + 2 * POLL_INTERVAL
    assert next_poll(3, clock.now()) == NOW + 8 * POLL_INTERVAL
    assert next_poll(10, clock.now()) == NOW + MAX_BACKOFF
    assert next_poll(10_000, clock.now()) == NOW + MAX_BACKOFF
    assert next_poll(2, NOW, interval=timedelta(hours=1)) == NOW + timedelta(hours=4)


def test_next_poll_refuses_naive_time_and_negative_counts():
    with pytest.raises(ValueError, match="aware"):
        next_poll(0, datetime(2026, 6, 3, 12, 0))  # noqa: DTZ001 - the naive time under test
    with pytest.raises(ValueError, match="negative"):
        next_poll(-1, NOW)


def test_a_failing_feed_is_reported_once_per_streak():
    reports = [failures for failures in range(1, 20) if should_report(failures)]
    assert reports == [REPORT_AFTER]
    # Walk a failing feed on the clock: the report comes after some hours, not on the first hiccup.
    clock = ManualClock(NOW)
    failures = 0
    while True:
        failures += 1
        if should_report(failures):
            break
        clock.set(next_poll(failures, clock.now()))
    assert timedelta(hours=6) < clock.now() - NOW < timedelta(days=2)
