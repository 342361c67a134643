"""/config and /setup's checklist end to end: every setting at once, one change at a time."""

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import AuditEntry, GuildSettings
from tests.e2e.harness import GUILD, World, world

SERVER: dict[str, Any] = copy.deepcopy(GUILD)
SERVER["channels"].append({"name": "muted", "overwrites": [{"target": "bot", "deny": ["send_messages"]}]})
SERVER["channels"].append(
    {
        "name": "mods-only",
        "overwrites": [
            {"target": "@everyone", "deny": ["view_channel"]},
            {"target": "bot", "allow": ["view_channel"]},
        ],
    }
)
SERVER["members"].append({"name": "tom"})


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=SERVER) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


def channel_id(w: World, name: str) -> str:
    return str(next(c.id for c in w.sandbox.world.channels.values() if c.name == name))


async def audits(w: World) -> int:
    async with w.bot.database.session() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry)) or 0


async def test_config_show_lists_settings_and_checks_each_channel(w: World) -> None:
    shown = await w.sandbox.run_command("mod", "config show")
    assert shown.ephemeral
    assert "Time zone: UTC" in (shown.content or "")
    assert "⬜ Moderators' channel: not chosen yet" in (shown.content or "")
    saved = await w.sandbox.run_command(
        "mod", "config set", {"setting": "mod_channel", "value": channel_id(w, "mod-queue")}
    )
    assert "Settings saved." in (saved.content or "")
    await w.sandbox.run_command("mod", "penpal-rounds settings", {"channel": "pen-pals"})
    shown = await w.sandbox.run_command("mod", "setup")
    assert f"✅ Moderators' channel: <#{channel_id(w, 'mod-queue')}>" in (shown.content or "")
    assert f"✅ Pen-pal threads: <#{channel_id(w, 'pen-pals')}>" in (shown.content or "")
    assert "⬜ Articles: not chosen yet; choose one with </article settings channel:" in (shown.content or "")


async def test_config_set_refuses_bad_values_and_changes_nothing(w: World) -> None:
    await w.sandbox.run_command("mod", "config set", {"setting": "timezone", "value": "Asia/Tokyo"})
    before = await audits(w)
    for setting, value, said in (
        ("timezone", "Europe/Berln", "Did you mean: Europe/Berlin"),
        ("timezone", "x" * 5000, "too long"),
        ("mod_channel", channel_id(w, "muted"), "Send Messages"),
        ("mod_channel", "@everyone", "not a text channel"),
        ("moderator_role", "\u200b", "not a role"),
        ("leaver_days", "-3", "from 0 to 365"),
        ("leaver_days", "²", "from 0 to 365"),
        ("moderator_role", "1²", "not a role"),
        ("language", "**klingon**", "Pick a language"),
    ):
        refused = await w.sandbox.run_command("mod", "config set", {"setting": setting, "value": value})
        assert said in (refused.content or ""), (setting, refused.content)
        assert len(refused.content or "") < 400
    assert await audits(w) == before
    async with w.bot.database.session() as session:
        assert (await session.scalars(select(GuildSettings))).one().timezone == "Asia/Tokyo"


async def test_config_set_suggests_values_that_fit_the_setting(w: World) -> None:
    channels = await w.sandbox.autocomplete(
        "mod", "config set", {"setting": "mod_channel", "value": "mod"}, focused="value"
    )
    assert [c["name"] for c in channels] == ["#mod-queue", "#mods-only"]
    zones = await w.sandbox.autocomplete(
        "mod", "config set", {"setting": "timezone", "value": "Shang"}, focused="value"
    )
    assert "Asia/Shanghai" in [c["value"] for c in zones]
    saved = await w.sandbox.run_command("mod", "config set", {"setting": "language", "value": "zh_CN"})
    assert "简体中文" in (saved.content or "")


async def test_a_moderators_channel_everyone_can_read_is_saved_with_a_warning(w: World) -> None:
    public = await w.sandbox.run_command("mod", "setup", {"mod_channel": "general"})
    assert "Settings saved." in (public.content or "")
    assert "Everyone in the server can read" in (public.content or "")
    private = await w.sandbox.run_command("mod", "setup", {"mod_channel": "mods-only"})
    assert "Everyone in the server can read" not in (private.content or "")


async def test_a_role_can_be_typed_by_its_name(w: World) -> None:
    saved = await w.sandbox.run_command(
        "mod", "config set", {"setting": "moderator_role", "value": "moderators"}
    )
    assert "Settings saved." in (saved.content or "")
    async with w.bot.database.session() as session:
        settings = (await session.scalars(select(GuildSettings))).one()
    assert settings.moderator_role_id == w.sandbox.world.role_named("Moderators").id
