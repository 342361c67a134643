"""/audit end to end: moderators read what moderators changed; members cannot."""

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.errors import SandboxError
from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "roles": ["Moderators"], "locale": "zh-CN"},
    {"name": "tom"},
]


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def test_moderator_actions_are_listed_newest_first_and_filtered(w: World) -> None:
    await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin", "moderator_role": "Moderators"})
    await w.sandbox.run_command("wei", "setup", {"leaver_days": 3})
    listed = await w.sandbox.run_command("mod", "audit")
    assert listed.ephemeral
    lines = (listed.content or "").splitlines()
    assert "2 of 2 actions" in lines[0]
    assert "leaver_retention_days=3" in lines[1]  # newest first
    assert "timezone=Europe/Berlin" in lines[2]
    assert "server settings changed" in lines[1]
    mine = await w.sandbox.run_command("mod", "audit", {"member": "wei"})
    assert "1 of 1 action" in (mine.content or "")
    assert "leaver_retention_days=3" in (mine.content or "")
    none = await w.sandbox.run_command("mod", "audit", {"kind": "partners%"})
    assert "No moderator actions match" in (none.content or "")
    kinds = await w.sandbox.autocomplete("mod", "audit", {"kind": "set"}, focused="kind")
    assert [choice["value"] for choice in kinds] == ["setup"]


async def test_audit_speaks_chinese_and_refuses_plain_members(w: World) -> None:
    await w.sandbox.run_command("mod", "setup", {"moderator_role": "Moderators"})
    listed = await w.sandbox.run_command("wei", "audit")
    assert "服务器设置已更改" in (listed.content or "")
    with pytest.raises(SandboxError):
        await w.sandbox.run_command("tom", "audit")
    with pytest.raises(SandboxError):
        await w.sandbox.run_command("mod", "audit", channel="dm")


async def test_every_moderator_command_that_changes_something_is_logged_with_its_options(w: World) -> None:
    await w.sandbox.run_command("mod", "setup", {"mod_channel": "mod-queue"})
    await w.sandbox.run_command("mod", "penpal-rounds settings", {"channel": "pen-pals", "hour": 8})
    await w.sandbox.run_command("mod", "penpal-rounds settings")  # only shows the settings
    await w.sandbox.run_command("mod", "penpal-rounds preview")  # changes nothing
    await w.sandbox.run_command("mod", "penpal-rounds run")
    await w.sandbox.run_command("mod", "dashboard")
    listed = (await w.sandbox.run_command("mod", "audit")).content or ""
    lines = listed.splitlines()
    assert "3 of 3 actions" in lines[0], listed
    assert "/penpal-rounds run" in lines[1]
    assert "/penpal-rounds settings" in lines[2]
    assert "hour=8" in lines[2]
    assert "channel=<#" in lines[2]
    assert "server settings changed" in lines[3]  # /setup writes its own entry, once
    assert "preview" not in listed
    assert "dashboard" not in listed
    runs = await w.sandbox.run_command("mod", "audit", {"kind": "command:penpal-rounds run"})
    assert "1 of 1 action" in (runs.content or "")
