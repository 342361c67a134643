"""Seeking a sister end to end: post, list with filters, withdraw, fits told to both posters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.sandbox import SandboxError
from bot.seeking.models import SeekingFit, SeekingPost
from bot.seeking.service import SeekingService
from tests.e2e.harness import GUILD, SHORT_WINDOWS, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "locale": "zh-CN"},
    {"name": "ana", "locale": "es-ES"},
    {"name": "tom"},
    {"name": "li", "locale": "zh-CN", "dms_closed": True},
    {"name": "kofi", "locale": "en-GB"},
]

TOM = {
    "library": "Springfield Public Library",
    "country": "US",
    "languages": "English",
    "offer": "Children's storytime ideas and a book exchange",
    "hope": "Picture books in Chinese and a pen-pal exchange for our teens",
}
WEI = {
    "library": "上海少儿图书馆",
    "country": "中国",
    "languages": "中文, English",
    "offer": "中文图画书 and picture books for children",
    "hope": "英文图书交换 and storytime ideas",
}


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    guild = dict(GUILD, members=MEMBERS)
    async with world(database_url, guild=guild) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def post(w: World, name: str, options: dict[str, Any]) -> Any:
    result = await w.sandbox.run_command(name, "seeking post", options)
    assert result.ephemeral, result.content
    assert "/seeking withdraw" in result.content or "/寻找姐妹馆 撤回" in result.content, result.content
    return result


def member_id(w: World, name: str) -> int:
    return w.sandbox.world.user_named(name).id


async def posts(w: World) -> dict[int, SeekingPost]:
    async with w.bot.database.session() as session:
        return {p.user_id: p for p in (await session.execute(select(SeekingPost))).scalars()}


async def fits(w: World) -> int:
    async with w.bot.database.session() as session:
        return (await session.execute(select(func.count()).select_from(SeekingFit))).scalar_one()


def forget_closed_dms(w: World) -> int:
    """Drop the refusals of li's closed DMs (expected) from the errors the fixture checks."""
    refused = [line for line in w.errors() if "50007" in str(line.get("detail", ""))]
    w.sandbox.transcript[:] = [line for line in w.sandbox.transcript if line not in refused]
    return len(refused)


def dms(w: World, name: str, contains: str = "") -> list[dict[str, Any]]:
    return [line for line in w.lines("dm", visible_to=name) if contains in line["content"]]


async def test_a_post_is_saved_and_listed(w: World) -> None:
    result = await post(w, "tom", TOM)
    assert "post is up" in result.content
    assert "No open post fits" in result.content
    saved = (await posts(w))[member_id(w, "tom")]
    assert (saved.country, saved.languages, saved.library) == ("US", ["en"], "Springfield Public Library")
    listed = await w.sandbox.run_command("kofi", "seeking list")
    assert listed.ephemeral
    [embed] = listed.embeds
    assert "Springfield Public Library" in embed["fields"][0]["name"]


async def test_list_filters_by_country_and_language_and_pages_only_for_the_asker(w: World) -> None:
    w.sandbox.route_window_scale = SHORT_WINDOWS  # fits told by DM, five to each member's DM channel
    await post(w, "tom", TOM)
    await post(w, "wei", WEI)
    await post(w, "kofi", dict(TOM, library="Accra Library", country="Ghana", languages="English, Twi"))
    german = {"library": "Stadtbibliothek", "country": "Germany", "languages": "German"}
    await post(w, "ana", dict(TOM, **german, offer="Bücher", hope="Austausch"))
    by_country = await w.sandbox.run_command("tom", "seeking list", {"country": "CN"})
    assert [f["name"] for f in by_country.embeds[0]["fields"]] == ["上海少儿图书馆 · 🇨🇳 China"]
    by_language = await w.sandbox.run_command("tom", "seeking list", {"language": "English"})
    assert len(by_language.embeds[0]["fields"]) == 3
    assert "Stadtbibliothek" not in str(by_language.embeds)
    chinese = await w.sandbox.run_command("wei", "seeking list", {"language": "德语"})
    assert "Stadtbibliothek · 🇩🇪 德国" in chinese.embeds[0]["fields"][0]["name"]
    assert "寻找姐妹图书馆" in chinese.embeds[0]["title"]
    none = await w.sandbox.run_command("tom", "seeking list", {"country": "Japan"})
    assert "No open post matches" in none.embeds[0]["description"]
    typo = await w.sandbox.run_command("tom", "seeking list", {"country": "Germny"})
    assert typo.ephemeral
    assert "Germany (DE)" in typo.content

    for index in range(3):  # each replaces the one before: one post per member
        await post(w, "mod", dict(TOM, library=f"Page Library {index}", country="Canada"))
    await post(w, "li", dict(TOM, library="Page Library 3", country="Japan"))
    await post(w, "kofi", dict(TOM, library="Page Library 4", country="Kenya"))
    await post(w, "ana", dict(TOM, library="Page Library 5", country="Chile"))
    first = await w.sandbox.run_command("tom", "seeking list")
    assert first.embeds[0]["footer"]["text"] == "Page 1 of 2 · 6 open posts"
    assert [c["label"] for c in first.components] == ["Previous", "Next"]
    with pytest.raises(SandboxError, match="cannot see"):  # ephemeral: only the asker sees it
        await w.sandbox.click("wei", "Next", message=first.lines[-1]["line"])
    forget_closed_dms(w)  # li's posts fit others: li's closed DMs were tried, as expected
    turned = await w.sandbox.click("tom", "Next", message=first.lines[-1]["line"])
    assert turned.embeds[0]["footer"]["text"] == "Page 2 of 2 · 6 open posts"


async def test_withdraw_takes_the_post_down(w: World) -> None:
    await post(w, "tom", TOM)
    done = await w.sandbox.run_command("tom", "seeking withdraw")
    assert done.ephemeral
    assert "taken down" in done.content
    assert await posts(w) == {}
    again = await w.sandbox.run_command("tom", "seeking withdraw")
    assert "no open post" in again.content
    chinese = await w.sandbox.run_command("wei", "seeking withdraw")
    assert "没有" in chinese.content


async def test_a_fit_tells_both_posters_once_and_closed_dms_hear_it_at_their_next_command(w: World) -> None:
    await post(w, "tom", TOM)
    result = await post(w, "li", dict(WEI, library="北京图书馆"))
    assert "fit" not in result.content  # li reads Chinese
    assert "北京图书馆" not in result.content
    assert "Springfield Public Library" in result.content
    await w.advance(timedelta(seconds=1))  # the fit job runs
    [told] = dms(w, "tom", "fits your post")
    assert "北京图书馆" in told["content"]
    assert f"<@{member_id(w, 'li')}>" in told["content"]
    assert told["embeds"][0]["fields"][1]["value"].startswith("中文图画书")
    assert told["allowed_mentions"]["parse"] == []
    assert not told["allowed_mentions"].get("users")
    assert forget_closed_dms(w) == 1  # li's direct messages are closed: tried once, not retried

    listed = await w.sandbox.run_command("li", "seeking list")
    assert "Springfield Public Library" in listed.content
    assert "私信" in listed.content
    listed = await w.sandbox.run_command("li", "seeking list")
    assert listed.content == ""  # told once
    await post(w, "li", dict(WEI, library="北京图书馆", offer="中文图画书和故事时间"))
    await post(w, "tom", dict(TOM, library="Springfield Library"))
    await w.advance(timedelta(minutes=5))
    assert len(dms(w, "tom", "fits your post")) == 1  # re-posting never tells the pair again
    assert await fits(w) == 1


async def test_both_posters_with_open_dms_are_told_in_their_language(w: World) -> None:
    await post(w, "wei", WEI)
    result = await post(w, "tom", TOM)
    assert "It fits 1 open post" in result.content
    assert "上海少儿图书馆" in result.content
    await w.advance(timedelta(seconds=1))
    assert len(dms(w, "tom", "fits your post")) == 1
    [chinese] = dms(w, "wei", "Springfield Public Library")
    assert "相符" in chinese["content"]


async def test_bad_inputs_are_refused_with_nothing_saved(w: World) -> None:
    cases = [
        (dict(TOM, offer="x" * 5000), "too long"),
        (dict(TOM, hope="y" * 501), "too long"),
        (dict(TOM, library="x" * 5000), "too long"),
        (dict(TOM, library="\u200b\u200d\u3164"), "cannot be blank"),
        (dict(TOM, offer="\u200b \u200b"), "visible words"),
        (dict(TOM, country="Atlantis"), "not a country"),
        (dict(TOM, country="x" * 5000), "too long"),
        (dict(TOM, languages="English, " * 600), "too long"),
        (dict(TOM, languages="Klingon-ish"), "not a language"),
    ]
    for options, says in cases:
        result = await w.sandbox.run_command("tom", "seeking post", options)
        assert result.ephemeral
        assert says in result.content, (says, result.content)
        assert len(result.content) < 300
    assert await posts(w) == {}
    chinese = await w.sandbox.run_command("wei", "seeking post", dict(WEI, offer="书" * 5000))
    assert "太长" in chinese.content
    assert len(chinese.content) < 300


async def test_mentions_and_markdown_are_shown_harmlessly(w: World) -> None:
    hostile = dict(
        TOM,
        library="**Big** @everyone <@1> Library",
        offer="[click me](https://evil.example) @here # Heading and a book exchange",
        hope="~~picture books~~ `code` <@&5>",
    )
    result = await post(w, "tom", hostile)
    assert result.lines[-1]["allowed_mentions"]["parse"] == []
    assert not result.lines[-1]["allowed_mentions"].get("users")
    listed = await w.sandbox.run_command("kofi", "seeking list")
    field = listed.embeds[0]["fields"][0]
    assert "\\*\\*Big\\*\\*" in field["name"]
    assert "@\u200beveryone" in field["name"]
    assert "\\[click me" in field["value"]
    assert "@\u200bhere" in field["value"]
    await post(w, "wei", WEI)
    await w.advance(timedelta(seconds=1))
    [told] = dms(w, "wei", "Big")
    assert "@everyone" not in told["content"]
    assert told.get("pings", []) == []


async def test_autocomplete_offers_countries_and_languages_in_the_members_language(w: World) -> None:
    choices = await w.sandbox.autocomplete("wei", "seeking post", {"country": "德"}, focused="country")
    assert {"name": "德国 (DE)", "value": "DE"} in choices
    choices = await w.sandbox.autocomplete(
        "tom", "seeking post", {"languages": "English, Span"}, focused="languages"
    )
    assert choices[0]["value"] == "English, es"
    choices = await w.sandbox.autocomplete("tom", "seeking list", {"language": "Chin"}, focused="language")
    assert any(choice["value"] == "zh" for choice in choices)


async def test_seeking_is_not_offered_in_direct_messages(w: World) -> None:
    for path, options in (("seeking post", TOM), ("seeking list", {}), ("seeking withdraw", {})):
        with pytest.raises(SandboxError, match="DMs"):
            await w.sandbox.run_command("tom", path, options, channel="dm")
    assert await posts(w) == {}


async def test_a_member_who_left_is_no_longer_listed_or_fitted(w: World) -> None:
    await post(w, "tom", TOM)
    await w.sandbox.leave("tom")
    assert await posts(w) == {}
    result = await post(w, "wei", WEI)
    assert "还没有与你的帖子相符" in result.content
    assert "Springfield" not in result.content
    await w.advance(timedelta(seconds=1))
    assert dms(w, "wei") == []
    listed = await w.sandbox.run_command("kofi", "seeking list")
    assert "Springfield" not in str(listed.embeds)


async def test_two_quick_posts_leave_one_post_and_tell_the_pair_once(w: World) -> None:
    await post(w, "wei", WEI)
    first, second = await asyncio.gather(
        w.sandbox.run_command("tom", "seeking post", TOM),
        w.sandbox.run_command("tom", "seeking post", dict(TOM, library="Springfield Library")),
    )
    assert first.ephemeral
    assert second.ephemeral
    assert len(await posts(w)) == 2
    assert await fits(w) == 1
    await w.advance(timedelta(seconds=1))
    assert len(dms(w, "tom", "fits your post")) == 1
    assert len(dms(w, "wei", "Springfield")) == 1


async def test_the_service_exports_and_counts_a_members_post(w: World) -> None:
    await post(w, "wei", WEI)
    await post(w, "tom", TOM)
    service = w.bot.features.service(SeekingService)
    guild_id = w.sandbox.world.guild_id
    assert guild_id is not None
    exported = await w.bot.features.export_member(guild_id, member_id(w, "tom"))
    assert exported["seeking"]["post"]["library"] == "Springfield Public Library"
    assert await service.count_member(guild_id, member_id(w, "tom")) == 2  # the post and one fit


async def test_a_fit_message_discord_refused_is_sent_once_after_a_restart(w: World) -> None:
    await post(w, "wei", WEI)
    # Discord fails on the first direct message (not retried by discord.py itself): the job fails,
    # nobody is marked told, and the bot restarts before the job's retry.
    w.sandbox.fail_next("POST", "/channels/{channel_id}/messages", status=503, message="Service Unavailable")
    await post(w, "tom", TOM)
    await w.advance(timedelta(seconds=1))
    assert len(w.lines("dm")) == 0
    await w.restart()
    await w.advance(timedelta(hours=1))
    assert len(dms(w, "tom", "fits your post")) == 1
    assert len(dms(w, "wei", "Springfield")) == 1
    async with w.bot.database.session() as session:
        [told] = (await session.execute(select(SeekingFit))).scalars()
    assert told.told_a_at is not None
    assert told.told_b_at is not None
    w.sandbox.transcript[:] = [line for line in w.sandbox.transcript if "503" not in line.get("detail", "")]
