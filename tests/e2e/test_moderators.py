"""Moderators, help and limits across the bot: who may run what, where, and what bad input gets."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.db.models import AuditEntry, GuildSettings
from bot.sandbox import SandboxError
from tests.e2e.harness import GUILD, World, world

HOSTILE = {
    "very long": "Europe/Berlin" * 400,
    "zero width": "\u200b\u200b",
    "mentions": "@everyone <@&1> <@1> <#1> @here",
    "markdown": "**bold** __under__ ||spoiler|| `code` > quote [link](https://example.com)",
    "chinese": "北京时间东八区" * 30,
}
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


async def saved(w: World) -> tuple[int, int]:
    async with w.bot.database.session() as session:
        settings = await session.scalar(select(func.count()).select_from(GuildSettings)) or 0
        audits = await session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return settings, audits


def allow_in_integrations(w: World, *names: str) -> None:
    """What a server admin's Server Settings > Integrations override does: Discord lets the call in."""
    for scope in w.sandbox.commands.values():
        for command in scope:
            if command["name"] in names:
                command["default_member_permissions"] = None


def command_ids(w: World) -> dict[str, str]:
    return {command["name"]: command["id"] for scope in w.sandbox.commands.values() for command in scope}


async def test_setup_tells_the_admin_what_to_allow_so_the_moderator_role_sees_moderator_commands(
    h: World,
) -> None:
    result = await h.sandbox.run_command("mod", "setup", {"moderator_role": "Helpers"})
    assert result.ephemeral
    assert "Server Settings > Integrations" in result.content
    assert "**/setup**" in result.content
    assert "**/jobs**" in result.content
    again = await h.sandbox.run_command("mod", "setup")
    assert "Server Settings > Integrations" in again.content


async def test_the_moderator_role_runs_setup_and_jobs_and_other_members_are_refused(h: World) -> None:
    await h.sandbox.run_command("mod", "setup", {"moderator_role": "Helpers"})
    # Discord hides both from members without Manage Server until an admin allows a role there.
    with pytest.raises(SandboxError, match="default_member_permissions"):
        await h.sandbox.run_command("lib", "setup", {"timezone": "Asia/Tokyo"})
    allow_in_integrations(h, "setup", "jobs")
    result = await h.sandbox.run_command("lib", "setup", {"timezone": "Asia/Tokyo"})
    assert "Settings saved." in result.content
    jobs = await h.sandbox.run_command("lib", "jobs upcoming")
    assert "Nothing is scheduled." in jobs.content
    before = await saved(h)
    for path, options in (
        ("setup", {"timezone": "Europe/Madrid"}),
        ("jobs upcoming", {}),
        ("jobs failed", {}),
    ):
        refused = await h.sandbox.run_command("ana", path, options)
        assert refused.ephemeral
        assert "Only moderators" in refused.content
    assert await saved(h) == before
    async with h.bot.database.session() as session:
        assert (await session.scalars(select(GuildSettings))).one().timezone == "Asia/Tokyo"


async def test_commands_that_need_a_server_are_not_offered_in_dms(h: World) -> None:
    for path in ("setup", "jobs upcoming"):
        with pytest.raises(SandboxError, match="DMs"):
            await h.sandbox.run_command("mod", path, channel="dm")
    result = await h.sandbox.run_command("ana", "help", channel="dm")
    text = result.embeds[0]["description"]
    listed = set(re.findall(r"</([^:>]+):\d+>", text))
    assert "help" in listed
    assert "about" in listed
    offered_in_dms = {
        command["name"]
        for command in h.sandbox.commands.get(None, [])
        if command.get("contexts") is None or 1 in command["contexts"]
    }
    assert {path.split()[0] for path in listed} <= offered_in_dms, "help lists a command DMs do not offer"


async def test_help_lists_for_each_member_only_what_they_can_use(h: World) -> None:
    await h.sandbox.run_command("mod", "setup", {"moderator_role": "Helpers"})
    ids = command_ids(h)
    member = (await h.sandbox.run_command("ana", "help")).embeds[0]["description"]
    helper = (await h.sandbox.run_command("lib", "help")).embeds[0]["description"]
    moderator = (await h.sandbox.run_command("mod", "help")).embeds[0]["description"]
    for text in (member, helper, moderator):
        assert f"</help:{ids['help']}>" in text
    assert "</setup:" not in member
    assert "</jobs " not in member
    assert "For moderators" not in member
    assert moderator.index(f"</help:{ids['help']}>") < moderator.index("**For moderators**")
    assert moderator.index("**For moderators**") < moderator.index(f"</setup:{ids['setup']}>")
    assert "**/jobs**" in moderator
    assert "**/jobs**" in helper
    assert "**/jobs**" not in member
    jobs = (await h.sandbox.run_command("lib", "help", {"command": "jobs"})).embeds[0]["description"]
    assert f"</jobs failed:{ids['jobs']}>" in jobs
    refused = await h.sandbox.run_command("ana", "help", {"command": "jobs"})
    assert "no command “jobs” you can use here" in (refused.content or "")
    assert len(moderator) < 4000  # every top-level command fits, however many features there are


async def test_chinese_members_get_command_mentions_and_chinese_advice(h: World) -> None:
    await h.sandbox.run_command("mod", "setup", {"moderator_role": "Helpers"})
    allow_in_integrations(h, "setup")
    result = await h.sandbox.run_command("lan", "setup")
    assert "当前设置" in result.content
    assert "服务器设置 > 整合" in result.content
    assert "**/设置**" in result.content  # as the admin's Chinese client names it there
    assert "/setup" not in re.sub(r"</[^>]+>", "", result.content)  # clickable mentions aside


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_time_zones_get_a_short_clear_refusal_and_change_nothing(h: World, kind: str) -> None:
    value = HOSTILE[kind]
    result = await h.sandbox.run_command("mod", "setup", {"timezone": value})
    assert result.ephemeral
    assert "error" not in result.content.lower()
    assert "time zone" in result.content
    assert len(result.content) < 400
    assert value[:60] not in result.content, "a refusal quotes at most about 50 characters"
    assert "@everyone" not in result.content.replace("@\u200beveryone", "")
    assert h.lines("respond")[-1]["allowed_mentions"] == {"parse": []}
    assert await saved(h) == (0, 0)


async def test_a_very_long_time_zone_is_refused_for_its_length(h: World) -> None:
    result = await h.sandbox.run_command("mod", "setup", {"timezone": "x" * 5000})
    assert "at most 64 characters" in result.content
    assert len(result.content) < 300  # quotes a short part back, not the 5,000 characters


async def test_jobs_retry_refuses_what_is_not_a_job_number(h: World) -> None:
    for value in ("x" * 5000, "\u200b", "@everyone", "**1**", "一"):
        with pytest.raises(SandboxError):
            await h.sandbox.run_command("mod", "jobs retry", {"job": value})
    missing = await h.sandbox.run_command("mod", "jobs retry", {"job": 2**31 - 1})
    assert f"</jobs failed:{command_ids(h)['jobs']}>" in missing.content


async def test_command_mentions_survive_a_restart_that_does_not_sync(h: World) -> None:
    ids = command_ids(h)
    await h.restart()  # the tree did not change: no sync, so the ids are fetched
    result = await h.sandbox.run_command("ana", "help")
    assert f"</help:{ids['help']}>" in result.embeds[0]["description"]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_text_in_setup_s_other_options_is_refused_before_the_bot(h: World, kind: str) -> None:
    choices = await h.sandbox.autocomplete("mod", "setup", {"timezone": HOSTILE[kind]}, focused="timezone")
    assert all(len(choice["name"]) <= 100 for choice in choices)
    for option in ("language", "moderator_role", "mod_channel"):
        with pytest.raises(SandboxError):
            await h.sandbox.run_command("mod", "setup", {option: HOSTILE[kind]})
    assert await saved(h) == (0, 0)


async def test_a_moderator_command_reads_the_server_settings_once(h: World) -> None:
    await h.sandbox.run_command("mod", "setup", {"moderator_role": "Helpers", "timezone": "Asia/Tokyo"})
    allow_in_integrations(h, "jobs")
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "guild_settings" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    engine = h.bot.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = await h.sandbox.run_command("lib", "jobs upcoming")  # role check, then the zone
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "Nothing is scheduled." in result.content
    assert len(reads) == 1
