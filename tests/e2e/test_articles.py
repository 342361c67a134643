"""Articles end to end: share, post, a second share as a vote, save, search, lists and refusals,
through the sandbox, with pages read from a local test site the service is told to allow."""

from __future__ import annotations

import asyncio
import copy
import importlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.articles import jobs
from bot.articles.feed_service import FeedService
from bot.articles.models import Article
from bot.articles.service import ArticleService
from bot.sandbox.errors import SandboxError
from bot.scheduler import JobContext
from cogs.articles._jobs import DigestJobs
from cogs.articles._share import post_article
from tests.articles.feed_site import newsletter
from tests.articles.site import Site, build_app, build_other_app
from tests.e2e.harness import GUILD, SHORT_WINDOWS, World, world
from tests.e2e.test_penpal import join, schedule_rounds

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "locale": "zh-CN"},
    {"name": "tom"},
    {"name": "ana"},
]
HOSTILE = [
    "x" * 5000,
    "\u200b\u200b\u200b",
    "@everyone <@&1> <@1> **bold** `code` [x](https://evil.test)",
    "图书馆" * 30,
]


async def _start(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    other_runner, other_port = await _start(build_other_app())
    the_site = Site(port=0, other_port=other_port)
    runner, the_site.port = await _start(build_app(the_site))
    try:
        yield the_site
    finally:
        await runner.cleanup()
        await other_runner.cleanup()


@pytest.fixture
async def w(database_url: str, site: Site) -> AsyncIterator[World]:
    guild = dict(copy.deepcopy(GUILD), members=MEMBERS)
    guild["channels"] = [*guild["channels"], {"name": "reading"}]
    async with world(database_url, guild=guild) as running:
        # The test site is on 127.0.0.1, which production never reaches: allow exactly its port.
        running.bot.features.service(ArticleService).fetch_options = site.fetch_options()
        await running.sandbox.run_command("mod", "article settings channel", {"channel": "reading"})
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def stored(w: World) -> list[Article]:
    async with w.bot.database.session() as session:
        return list((await session.execute(select(Article).order_by(Article.id))).scalars())


def answer(result: Any) -> Any:
    """The member's last answer: a deferred reply's followup, or the reply itself."""
    return result.followups[-1] if result.followups else result.message


def posts(w: World, channel: str = "reading") -> list[Any]:
    return [m for m in w.sandbox.messages(channel) if m.author.bot]


async def test_share_posts_then_a_second_share_votes_then_save_and_search(w: World, site: Site) -> None:
    shared = await w.sandbox.run_command(
        "tom",
        "article share",
        {"url": site.url("/article?utm_source=x"), "note": "Good read", "tags": "hours"},
    )
    assert shared.ephemeral
    assert "Shared:" in answer(shared).content
    [post] = posts(w)
    embed = post.embeds[0]
    assert embed["title"] == "Reading rooms that stay open late"
    assert embed["url"] == site.url("/article")
    assert any(field["value"] == "Good read" for field in embed["fields"])

    again = await w.sandbox.run_command("ana", "article share", {"url": site.url("/article#comments")})
    reply = answer(again).content
    assert "Already shared here" in reply
    assert "1 vote" in reply
    assert len(posts(w)) == 1

    saved = await w.sandbox.click("wei", "Save", message={"channel": "reading", "contains": ""})
    assert saved.ephemeral
    assert "阅读清单" in saved.content or "reading list" in saved.content
    reading_list = await w.sandbox.run_command("wei", "article saved")
    assert "Reading rooms" in reading_list.embeds[0]["description"]

    found = await w.sandbox.run_command("ana", "article search", {"query": "reading rooms"})
    assert "Reading rooms that stay open late" in found.embeds[0]["description"]
    nothing = await w.sandbox.run_command("ana", "article search", {"query": "cataloguing"})
    assert "No article matches" in nothing.embeds[0]["description"]


async def test_a_page_that_cannot_be_read_is_shared_with_the_members_title(w: World, site: Site) -> None:
    result = await w.sandbox.run_command(
        "tom", "article share", {"url": site.url("/to-loopback"), "title": "Our annual report"}
    )
    assert "could not read the page" in answer(result).content
    assert posts(w)[0].embeds[0]["title"] == "Our annual report"


async def test_sharing_in_a_dm_is_refused_politely(w: World, site: Site) -> None:
    result = await w.sandbox.run_command(
        "tom", "article share", {"url": site.url("/article")}, channel="dm:tom"
    )
    assert result.ephemeral
    assert "in a server" in result.content
    assert await stored(w) == []


@pytest.mark.parametrize("option", ["url", "note", "tags", "title"])
async def test_hostile_input_is_refused_or_shown_harmlessly(w: World, site: Site, option: str) -> None:
    for number, value in enumerate(HOSTILE):
        options = {"url": site.url(f"/article?n={number}")}
        options[option] = value
        result = await w.sandbox.run_command("tom", "article share", options)
        reply = answer(result)
        assert reply is not None
        assert reply.ephemeral
        assert "@everyone" not in reply.content.replace("@\u200deveryone", "")
        assert len(reply.content) < 400
    for line in w.lines("send"):
        assert not line.get("pings"), line


async def test_only_http_links_and_mentions_never_ping(w: World) -> None:
    result = await w.sandbox.run_command("tom", "article share", {"url": "ftp://files.example/report.pdf"})
    assert result.ephemeral
    assert "http" in result.content
    assert await stored(w) == []


async def test_share_this_article_from_a_message(w: World, site: Site) -> None:
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    menu = {"channel": "reading", "contains": "shared an article"}
    result = await w.sandbox.message_command("ana", "Share this article", menu)
    assert "Already shared here" in answer(result).content
    assert "1 vote" in answer(result).content
    assert len(await stored(w)) == 1
    await w.sandbox.run_command("ana", "article recent")  # a list: links in an embed, none in the text
    nothing = await w.sandbox.message_command("ana", "Share this article", {"channel": "general"})
    assert "no link" in answer(nothing).content


async def test_removed_articles_leave_the_lists_and_only_moderators_remove(w: World, site: Site) -> None:
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    [article] = await stored(w)
    refused = await w.sandbox.run_command("tom", "article remove", {"id": article.id, "reason": "spam"})
    assert "Only moderators" in refused.content
    removed = await w.sandbox.run_command("mod", "article remove", {"id": article.id, "reason": "spam"})
    assert "removed" in removed.content
    recent = await w.sandbox.run_command("ana", "article recent")
    assert "Nothing has been shared yet" in recent.embeds[0]["description"]


async def _share_tagged(w: World, site: Site) -> None:
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article"), "tags": "hours"})
    tagged = {"url": site.url("/article?n=2"), "tags": "hours, maps"}
    await w.sandbox.run_command("ana", "article share", tagged)


async def _tags(w: World) -> str:
    return (await w.sandbox.run_command("ana", "article tags")).content


async def test_only_moderators_rename_a_tag_and_bad_names_change_nothing(w: World, site: Site) -> None:
    await _share_tagged(w, site)
    rename = "article tag rename"
    refused = await w.sandbox.run_command("tom", rename, {"old": "hours", "new": "open-late"})
    assert "Only moderators" in refused.content
    for bad in ["@everyone", "<@&1>", "a, b", "maps", "\u200b", "x" * 100]:
        result = await w.sandbox.run_command("mod", rename, {"old": "hours", "new": bad})
        assert result.ephemeral
        assert "@everyone" not in result.content.replace("@\u200deveryone", "")
        assert len(result.content) < 300
    assert "`hours` (2)" in await _tags(w)

    renamed = await w.sandbox.run_command("mod", rename, {"old": "Hours", "new": "Open late"})
    assert renamed.ephemeral
    assert "`hours` is now `open-late` on 2 articles" in renamed.content
    assert "`open-late` (2)" in await _tags(w)
    assert "hours" not in await _tags(w)
    unknown = await w.sandbox.run_command("mod", rename, {"old": "nothing", "new": "x"})
    assert "No article here has the tag “nothing”" in unknown.content
    for line in w.lines("send"):
        assert not line.get("pings"), line


async def test_only_moderators_merge_tags_and_a_mistyped_target_changes_nothing(w: World, site: Site) -> None:
    await _share_tagged(w, site)
    merge = "article tag merge"
    refused = await w.sandbox.run_command("wei", merge, {"from": "maps", "into": "hours"})
    assert refused.ephemeral
    assert "只有版主" in refused.content
    assert "`maps` (1)" in await _tags(w)
    typo = await w.sandbox.run_command("mod", merge, {"from": "maps", "into": "hour"})
    assert "No article here has the tag “hour”" in typo.content
    assert "`maps` (1)" in await _tags(w)

    merged = await w.sandbox.run_command("mod", merge, {"from": "maps", "into": "hours"})
    assert "`maps` is merged into `hours`: 1 article changed" in merged.content
    tags = await _tags(w)
    assert "`hours` (2)" in tags
    assert "maps" not in tags


async def test_a_forum_as_the_articles_channel_gets_one_post_per_article(w: World, site: Site) -> None:
    await w.sandbox.run_command("mod", "article settings channel", {"channel": "articles"})
    result = await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    assert "Shared:" in answer(result).content
    [thread] = w.lines("thread")
    assert (thread["channel"], thread["thread"]) == ("articles", "Reading rooms that stay open late")
    assert thread["embeds"][0]["url"] == site.url("/article")
    assert [button["label"] for button in thread["components"]] == ["Save", "Send to my pen pal"]
    [article] = await stored(w)
    assert article.channel_id is not None
    assert article.message_id is not None


async def test_list_pages_turn_only_for_the_member_who_asked(w: World, site: Site) -> None:
    w.sandbox.route_window_scale = SHORT_WINDOWS  # six posts in one channel, to have two pages
    for number in range(6):
        await w.sandbox.run_command("tom", "article share", {"url": site.url(f"/article?n={number}")})
    listed = await w.sandbox.run_command("ana", "article recent")
    assert not listed.ephemeral
    assert "Page 1 of 2" in listed.embeds[0]["footer"]["text"]
    where = {"channel": "general", "contains": ""}
    stranger = await w.sandbox.click("tom", "Next", message=where)
    assert stranger.ephemeral
    assert "belong to whoever asked" in stranger.content
    turned = await w.sandbox.click("ana", "Next", message=where)
    assert "Page 2 of 2" in turned.embeds[0]["footer"]["text"]


async def test_send_to_my_pen_pal_without_a_group_says_so(w: World, site: Site) -> None:
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    result = await w.sandbox.click(
        "ana", "Send to my pen pal", message={"channel": "reading", "contains": ""}
    )
    assert "no open pen-pal group" in answer(result).content


async def test_privacy_hooks_see_and_erase_a_members_articles(w: World, site: Site) -> None:
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article"), "note": "mine"})
    tom = w.sandbox.world.user_named("tom").id
    guild_id = (await stored(w))[0].guild_id
    assert (await w.bot.features.count_member(guild_id, tom))["articles"] == 1
    exported = await w.bot.features.export_member(guild_id, tom)
    assert exported["articles"]["shared"][0]["note"] == "mine"
    await w.bot.features.erase_member(guild_id, tom)
    [article] = await stored(w)
    assert (article.sharer_id, article.note) == (None, None)


async def test_save_still_works_after_a_restart(w: World, site: Site) -> None:
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    await w.restart()
    w.bot.features.service(ArticleService).fetch_options = site.fetch_options()
    saved = await w.sandbox.click("ana", "Save", message={"channel": "reading", "contains": ""})
    assert "Saved to your reading list" in saved.content


async def test_send_to_my_pen_pal_posts_the_link_in_the_pen_pal_thread(w: World, site: Site) -> None:
    await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
    await schedule_rounds(w)
    await join(w, "tom", "US", "English")
    await join(w, "ana", "ES", "English")
    await w.sandbox.run_command("mod", "penpal-rounds run")
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    result = await w.sandbox.click(
        "ana", "Send to my pen pal", message={"channel": "reading", "contains": ""}
    )
    assert "Sent to your pen-pal thread" in answer(result).content
    sent = [line for line in w.lines("send") if site.url("/article") in line["content"]]
    assert any("thought you would like this article" in line["content"] for line in sent)
    assert not any(line.get("pings") for line in sent)


async def test_the_weekly_digest_posts_the_weeks_articles_and_nothing_in_a_quiet_week(
    w: World, site: Site
) -> None:
    set_up = await w.sandbox.run_command("mod", "article settings digest", {"weekday": 0, "hour": 9})
    assert "digest is on" in set_up.content
    refused = await w.sandbox.run_command("tom", "article settings digest", {"weekday": 0})
    assert "Only moderators" in refused.content
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    posted_before = len(posts(w))
    await w.advance(timedelta(days=3, minutes=1))  # Monday 09:01 UTC (the server's zone is UTC)
    digests = [m for m in posts(w) if m.content == "The week in articles:"]
    assert len(digests) == 1
    assert "Reading rooms that stay open late" in digests[0].embeds[0]["description"]
    await w.advance(timedelta(days=7))  # a week in which nothing was shared
    assert len(posts(w)) == posted_before + 1


async def test_a_digest_retried_in_a_forum_opens_its_thread_once(w: World, site: Site) -> None:
    await w.sandbox.run_command("mod", "article settings channel", {"channel": "articles"})
    await w.sandbox.run_command("mod", "article settings digest", {"weekday": 0, "hour": 9})
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    await w.advance(timedelta(days=3, minutes=1))  # Monday 09:01 UTC

    def digests() -> list[dict[str, Any]]:
        return [line for line in w.lines("thread") if line["thread"] == "This week's most-read articles"]

    assert len(digests()) == 1
    service = w.bot.features.service(ArticleService)
    guild_id = (await stored(w))[0].guild_id
    due = w.clock.now() - timedelta(minutes=1)
    # The same occurrence run again, as after a failure once Discord had created the thread.
    rerun = JobContext(
        job_id=1,
        kind=jobs.DIGEST,
        payload={"guild_id": guild_id},
        due_at=due,
        late=False,
        nonce="digest-retry",
        attempt=2,
        now=w.clock.now(),
        guild_id=guild_id,
    )
    await DigestJobs(w.bot, service).digest(rerun)
    assert len(digests()) == 1
    # Next week's occurrence is a new thread, not mistaken for this one.
    await w.sandbox.run_command("ana", "article share", {"url": site.url("/article?n=2")})
    await w.advance(timedelta(days=7))
    assert len(digests()) == 2


async def test_feeds_post_new_issues_only_and_report_a_failing_feed_once(w: World) -> None:
    await w.sandbox.run_command("mod", "setup", {"mod_channel": "mod-queue"})
    async with newsletter() as letter:
        w.bot.features.service(FeedService).fetch_options = letter.fetch_options()
        with pytest.raises(SandboxError, match="manage_guild"):  # Discord hides /feed from members
            await w.sandbox.run_command("tom", "feed list")
        added = await w.sandbox.run_command("mod", "feed add", {"url": letter.url})
        assert "Following Partner news" in answer(added).content
        assert "First issue" in answer(added).content
        await w.advance(timedelta(minutes=31))
        assert posts(w) == []  # the issue that was there when the feed was added is not posted

        letter.issues.insert(0, ("issue-2", "Second issue"))
        await w.advance(timedelta(minutes=31))
        [post] = posts(w)
        assert post.content.startswith("New from a partner newsletter")
        assert post.embeds[0]["title"] == "Second issue"
        await w.advance(timedelta(minutes=31))
        assert len(posts(w)) == 1

        letter.down = True
        await w.advance(timedelta(days=2))
        reports = [m for m in posts(w, "mod-queue") if "has failed" in m.content]
        assert len(reports) == 1
        listed = await w.sandbox.run_command("mod", "feed list")
        assert "failing" in listed.content
        [feed_id] = [int(part.split(".")[0].strip("*")) for part in listed.content.splitlines()]
        removed = await w.sandbox.run_command("mod", "feed remove", {"id": feed_id})
        assert "no longer followed" in removed.content


@pytest.mark.parametrize("option", ["query", "tag", "language"])
async def test_hostile_search_input_is_refused_or_answered_harmlessly(
    w: World, site: Site, option: str
) -> None:
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    for value in HOSTILE:
        options = {"query": "reading"}
        options[option] = value
        result = await w.sandbox.run_command("ana", "article search", options)
        assert result.message is not None
        shown = (result.content or "") + "".join(embed.get("title", "") for embed in result.embeds)
        assert "@everyone" not in shown.replace("@\u200deveryone", "")
    for line in w.lines():
        assert not line.get("pings"), line


async def test_the_answer_is_deferred_before_a_slow_page_is_read(w: World, site: Site) -> None:
    result = await w.sandbox.run_command("tom", "article share", {"url": site.url("/slow")})
    assert result.type == 5  # deferred (thinking) before the page was read, not after
    assert "Shared:" in answer(result).content
    assert w.errors() == []


async def _share_at_once(w: World, shares: list[tuple[str, str]]) -> list[Any]:
    return list(
        await asyncio.gather(
            *(w.sandbox.run_command(who, "article share", {"url": url}) for who, url in shares)
        )
    )


async def test_twenty_shares_of_slow_pages_at_once_each_end_posted_or_counted(w: World, site: Site) -> None:
    """Twenty members' shares arrive together and the slow pages answer together: every one is
    answered first within the deadline, then posted once or counted as a vote, and told so."""
    w.sandbox.route_window_scale = SHORT_WINDOWS  # fourteen posts in one channel, paced by its bucket
    urls = [site.url(f"/slow?n={n}") for n in range(14)]
    shares = [("tom", url) for url in urls] + [("ana", url) for url in urls[:6]]
    results = await _share_at_once(w, shares)
    assert all(result.type == 5 for result in results)  # deferred first, before any page was read
    replies = [answer(result).content for result in results]
    assert sum(reply.startswith("Shared:") for reply in replies) == 14, replies
    assert sum(reply.startswith("Already shared here") for reply in replies) == 6, replies
    shown = sorted(post.embeds[0]["url"] for post in posts(w))
    assert shown == sorted(urls)  # each article posted exactly once
    articles = await stored(w)
    assert len(articles) == 14
    assert all(article.message_id is not None for article in articles)
    assert len(w.sandbox.latencies) == len(shares) + 1  # the channel setting, then each share
    assert w.lines("error") == []  # no 429 from posting too fast, no "database is locked"


async def test_a_post_discord_refused_is_posted_by_the_next_share_once(w: World, site: Site) -> None:
    w.sandbox.fail_next("POST", "/channels/{channel_id}/messages", status=503, message="Service Unavailable")
    first = await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    assert "could not post it" in answer(first).content
    assert posts(w) == []
    [article] = await stored(w)
    assert article.message_id is None
    again = await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    assert (
        "You shared or voted for this article before: https://discord.com/channels/" in answer(again).content
    )
    voted = await w.sandbox.run_command("ana", "article share", {"url": site.url("/article")})
    assert "Already shared here: https://discord.com/channels/" in answer(voted).content
    assert len(posts(w)) == 1
    w.sandbox.transcript[:] = [line for line in w.sandbox.transcript if "503" not in line.get("detail", "")]


async def _forget_the_post(w: World) -> None:
    """As when the post went out but recording where failed (the process stopped, say)."""
    async with w.bot.database.session() as session:
        for article in (await session.execute(select(Article))).scalars():
            article.message_id = None


@pytest.mark.parametrize("channel", ["reading", "articles"])
async def test_a_post_sent_again_is_not_posted_twice(w: World, site: Site, channel: str) -> None:
    await w.sandbox.run_command("mod", "article settings channel", {"channel": channel})
    await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    await _forget_the_post(w)
    again = await w.sandbox.run_command("ana", "article share", {"url": site.url("/article")})
    assert "Already shared here: https://discord.com/channels/" in answer(again).content
    if channel == "articles":  # a forum: the earlier post is found, none opened again
        assert len(w.lines("thread")) == 1
    else:  # the same nonce: Discord hands back the first message
        assert len(posts(w)) == 1
        assert posts(w)[0].nonce == f"art{(await stored(w))[0].id}"
    [article] = await stored(w)
    assert article.message_id is not None


async def test_a_search_past_its_limit_says_how_many_it_ranked(w: World, site: Site) -> None:
    w.bot.features.service(ArticleService).search_limit = 2
    for number in range(3):
        await w.sandbox.run_command("tom", "article share", {"url": site.url(f"/article?n={number}")})
    found = await w.sandbox.run_command("ana", "article search", {"query": "reading rooms"})
    assert found.embeds[0]["footer"]["text"] == "Page 1 of 1 · 2+ articles, the newest 2 ranked"


async def test_posts_in_one_channel_go_out_without_meeting_discords_limit(w: World, site: Site) -> None:
    """Twelve posts ready at once (twelve slow pages answering together) in a channel the bot has
    not posted in yet: each goes out once, paced by the channel's limit, none refused with 429."""
    w.sandbox.route_window_scale = SHORT_WINDOWS  # the channel's bucket paces the posts, only faster
    for number in range(12):
        await w.sandbox.run_command("tom", "article share", {"url": site.url(f"/article?n={number}")})
    service = w.bot.features.service(ArticleService)
    guild = w.bot.guilds[0]
    views = [await service.article(guild.id, article.id) for article in await stored(w)]
    [fresh] = [channel for channel in guild.text_channels if channel.name == "announcements"]
    posted = await asyncio.gather(
        *(post_article(w.bot, guild, fresh.id, view, ()) for view in views if view is not None)
    )
    assert all(posted)
    assert len(posts(w, "announcements")) == 12
    assert w.lines("error") == []  # no 429


async def test_a_post_held_back_by_the_channels_limit_is_announced_then_linked(
    w: World, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The module the running bot loaded (a bot that stops unloads its extension's modules).
    share_module = importlib.import_module("cogs.articles._share")
    monkeypatch.setattr(share_module, "ANSWER_WITHIN_S", 0.0)  # as when five posts went out just before
    result = await w.sandbox.run_command("tom", "article share", {"url": site.url("/article")})
    assert [m.content.split(":")[0].split(".")[0] for m in [result.message, *result.followups]][-2:] == [
        "Shared",
        "Shared",
    ]
    contents = [m.content for m in [result.message, *result.followups] if m is not None]
    assert any("will be there shortly" in content for content in contents), contents
    assert contents[-1].startswith("Shared: https://discord.com/channels/")
    assert len(posts(w)) == 1
