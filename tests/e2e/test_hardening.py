"""Gaps found by playing the scenario scripts as hostile members and moderators would."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import GuildSettings
from bot.penpal.models import PenpalAvoid
from tests.e2e.harness import GUILD, World, world

WITH_HELPERS: dict[str, Any] = copy.deepcopy(GUILD)
WITH_HELPERS["roles"].append({"name": "Helpers", "permissions": []})
WITH_HELPERS["members"].append({"name": "lib", "roles": ["Helpers"]})
WITH_HELPERS["members"].append({"name": "lan", "roles": ["Helpers"], "locale": "zh-CN"})


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=WITH_HELPERS) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def test_help_tells_a_moderator_by_role_why_discord_hides_the_moderator_commands(h: World) -> None:
    await h.sandbox.run_command("mod", "setup", {"moderator_role": "Helpers"})
    helper = (await h.sandbox.run_command("lib", "help")).embeds[0]
    chinese = (await h.sandbox.run_command("lan", "help")).embeds[0]
    manager = (await h.sandbox.run_command("mod", "help")).embeds[0]
    member = (await h.sandbox.run_command("ana", "help")).embeds[0]
    assert "Server Settings > Integrations > sisterlib" in helper["footer"]["text"]
    assert "服务器设置 > 整合 > sisterlib" in chinese["footer"]["text"]
    assert "footer" not in manager  # Discord offers them to Manage Server already
    assert "footer" not in member  # no moderator commands listed, nothing to explain


async def test_moderators_hear_which_unmatched_members_could_not_be_told_why(database_url: str) -> None:
    guild = copy.deepcopy(GUILD)
    guild["members"] += [{"name": "tom"}, {"name": "li", "locale": "zh-CN", "dms_closed": True}]
    async with world(database_url, guild=guild) as w:
        await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"})
        await w.sandbox.run_command("mod", "penpal-rounds settings", {"channel": "pen-pals"})
        for name, country, languages in (
            ("tom", "US", "English"),
            ("ana", "ES", "English"),
            ("li", "CN", "中文"),
        ):
            await w.sandbox.run_command(
                name, "penpal join", {"country": country, "languages": languages, "timezone": "Europe/Berlin"}
            )
            await w.sandbox.submit_modal(name, {"display_name": name.title(), "library": "A Library"})
        await w.sandbox.run_command("mod", "penpal-rounds run")
        alerts = [line for line in w.lines("send") if line["channel"] == "mod-queue"]
        li = w.sandbox.world.user_named("li")
        assert [line["content"] for line in alerts] == [
            "1 member without a partner this round could not be told why (direct messages closed): "
            f"<@{li.id}>."
        ]
        assert "pings" not in alerts[0]  # named, not notified
        assert [
            line for line in w.errors() if not line.get("expected") and "50007" not in line["detail"]
        ] == []


async def test_refusals_and_next_steps_name_commands_as_mentions_the_reader_can_click(h: World) -> None:
    await h.sandbox.run_command(
        "lan", "penpal join", {"country": "CN", "languages": "zh", "timezone": "Asia/Shanghai"}
    )
    saved = await h.sandbox.submit_modal("lan", {"display_name": "兰", "library": "上海图书馆"})
    await h.sandbox.run_command("ana", "penpal join")  # no country, languages or time zone yet
    incomplete = await h.sandbox.submit_modal("ana", {"display_name": "Ana", "library": "Biblioteca"})
    too_long = await h.sandbox.run_command("lan", "penpal pause", {"until": "2099-01-01"})
    assert "欢迎" in saved.content
    assert "</penpal profile edit:" in incomplete.content
    assert "/penpal profile edit " not in incomplete.content
    assert "</penpal leave:" in too_long.content
    assert "暂停最长一年" in too_long.content


async def test_avoiding_a_bot_is_refused_and_saves_nothing(h: World) -> None:
    bot_name = h.bot.user.name if h.bot.user else "sisterlib"
    refused = await h.sandbox.run_command("ana", "penpal avoid", {"member": bot_name})
    chinese = await h.sandbox.run_command("lan", "penpal avoid", {"member": bot_name})
    async with h.bot.database.session() as session:
        entries = await session.scalar(select(func.count()).select_from(PenpalAvoid))
    assert "Bots never take part" in refused.content
    assert "机器人" in chinese.content
    assert refused.ephemeral
    assert entries == 0


async def test_a_partner_who_left_mid_round_is_no_longer_listed_in_status(h: World) -> None:
    await h.sandbox.run_command("mod", "penpal-rounds settings", {"channel": "pen-pals"})
    for name in ("ana", "lib", "lan"):
        await h.sandbox.run_command(
            name, "penpal join", {"country": "DE", "languages": "English", "timezone": "Europe/Berlin"}
        )
        await h.sandbox.submit_modal(name, {"display_name": name.title(), "library": "A Library"})
    await h.sandbox.run_command("mod", "penpal-rounds run")  # one trio
    ids = {name: h.sandbox.world.user_named(name).id for name in ("lib", "lan")}
    before = await h.sandbox.run_command("ana", "penpal status")
    await h.sandbox.leave("lib")
    after = await h.sandbox.run_command("ana", "penpal status")
    assert f"<@{ids['lib']}>" in before.content
    assert f"<@{ids['lib']}>" not in after.content
    assert f"<@{ids['lan']}>" in after.content


async def test_setup_refuses_a_moderator_channel_the_bot_cannot_post_in(h: World) -> None:
    h.sandbox.deny_bot(channel="mod-queue", permission="send_messages")
    refused = await h.sandbox.run_command(
        "mod", "setup", {"mod_channel": "mod-queue", "timezone": "Asia/Shanghai"}
    )
    async with h.bot.database.session() as session:
        settings = await session.scalar(select(func.count()).select_from(GuildSettings))
    assert "Send Messages" in refused.content
    assert "Nothing was saved" in refused.content
    assert refused.ephemeral
    assert settings == 0


async def test_editing_an_incomplete_profile_says_what_is_still_missing(h: World) -> None:
    await h.sandbox.run_command("lan", "penpal join")
    await h.sandbox.submit_modal("lan", {"display_name": "兰", "library": "上海图书馆"})
    edited = await h.sandbox.run_command("lan", "penpal profile edit", {"availability": "weekends"})
    done = await h.sandbox.run_command(
        "lan", "penpal profile edit", {"country": "CN", "languages": "zh", "timezone": "Asia/Shanghai"}
    )
    assert "</penpal profile edit:" in edited.content
    assert "国家" in edited.content
    assert "</penpal profile edit:" not in done.content
