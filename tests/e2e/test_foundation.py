"""The foundation end to end: the real bot in the sandbox, a real database, a manual clock."""

import json
import logging
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bot.__main__ import BUNDLED_WALKTHROUGH
from bot.client import COMMAND_HASH_KEY, ShardedSisterBot, create_bot
from bot.config import DiscordSettings, Settings
from bot.db import Database
from bot.db.models import AuditEntry, BotState, GuildSettings
from bot.sandbox import SandboxError
from bot.sandbox.runner import run_script
from tests.e2e.harness import World, world

ROOT = Path(__file__).resolve().parents[2]


async def count(w: World, model: type) -> int:
    async with w.bot.database.session() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_setup_saves_settings_and_audits(w: World) -> None:
    result = await w.sandbox.run_command(
        "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue", "language": "zh_CN"}
    )
    assert result.ephemeral
    assert "Settings saved." in result.content  # the reply follows the moderator's own language
    assert "简体中文" in result.content
    async with w.bot.database.session() as session:
        settings = (await session.execute(select(GuildSettings))).scalar_one()
    assert settings.timezone == "Europe/Berlin"
    assert settings.locale == "zh_CN"
    assert await count(w, AuditEntry) == 1


async def test_bad_timezone_gets_suggestions_and_changes_nothing(w: World) -> None:
    result = await w.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berln"})
    assert result.ephemeral
    assert "Europe/Berlin" in result.content
    assert "not a time zone" in result.content
    assert await count(w, GuildSettings) == 0
    assert await count(w, AuditEntry) == 0


async def test_members_without_manage_server_cannot_run_setup(w: World) -> None:
    with pytest.raises(SandboxError, match="permission"):
        await w.sandbox.run_command("ana", "setup", {"timezone": "Europe/Madrid"})
    assert await count(w, GuildSettings) == 0


async def test_user_text_never_pings(w: World) -> None:
    result = await w.sandbox.run_command("mod", "setup", {"timezone": "@everyone <@&1> hi"})
    line = w.lines("respond")[-1]
    assert "@\u200beveryone" in result.content  # quoted back defused
    assert line["allowed_mentions"] == {"parse": []}
    assert not line.get("pings")


async def test_help_lists_what_the_caller_may_use_in_their_language(w: World) -> None:
    wei = await w.sandbox.run_command("wei", "help")
    mod = await w.sandbox.run_command("mod", "help")
    wei_text = wei.embeds[0]["description"]
    mod_text = mod.embeds[0]["description"]
    ids = {command["name"]: command["id"] for command in w.sandbox.commands[None]}
    # Discord shows each reader a mention with their own language's names.
    assert f"</help:{ids['help']}> · 列出你可以使用的命令" in wei_text
    assert wei.embeds[0]["title"] == "你可以使用的命令"
    assert f"</setup:{ids['setup']}>" in mod_text
    assert "</setup:" not in wei_text, "members must not see moderator commands"
    assert "**/jobs** · " in mod_text  # a group is listed once, with how to see its subcommands
    assert "`/help jobs`" in mod_text
    jobs = (await w.sandbox.run_command("mod", "help", {"command": "jobs"})).embeds[0]["description"]
    assert f"</jobs failed:{ids['jobs']}>" in jobs
    assert "</setup:" not in jobs
    chinese = (await w.sandbox.run_command("wei", "help", {"command": "笔友"})).embeds[0]["description"]
    assert f"</penpal join:{ids['penpal']}>" in chinese


async def test_about_reports_uptime_from_the_injected_clock(w: World) -> None:
    await w.advance(timedelta(days=1, hours=2, minutes=5))
    result = await w.sandbox.run_command("ana", "about")
    fields = {field["name"]: field["value"] for field in result.embeds[0]["fields"]}
    assert fields["Uptime"] == "1d 2h 5m"


async def test_settings_survive_a_restart(w: World) -> None:
    await w.sandbox.run_command("mod", "setup", {"timezone": "Asia/Shanghai"})
    await w.restart()
    result = await w.sandbox.run_command("mod", "setup")
    assert "Asia/Shanghai" in result.content


async def test_an_unexpected_error_shows_an_id_that_the_log_has_too(
    w: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(_elapsed: timedelta) -> str:
        raise RuntimeError("disk on fire")

    # The bot loaded its own copy of the extension module: patch that one.
    monkeypatch.setattr(sys.modules["cogs.meta"], "format_uptime", explode)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        result = await w.sandbox.run_command("ana", "about")
    assert result.ephemeral
    error_id = re.search(r"error ([0-9A-F]{6})", result.content)
    assert error_id is not None
    assert any(error_id.group(1) in record.getMessage() and record.exc_info for record in caplog.records)
    # The error line the sandbox records for it is expected here; nothing else may be wrong.
    w.sandbox.transcript[:] = [line for line in w.sandbox.transcript if line["action"] != "error"]


async def test_walkthrough_plays_with_exit_code_zero(tmp_path: Path) -> None:
    script = json.loads(BUNDLED_WALKTHROUGH.read_text(encoding="utf-8"))
    lines: list[str] = []
    transcript = tmp_path / "t.jsonl"
    code = await run_script(
        script,
        bot_factory=lambda *, clock, database_url: create_bot(
            Settings(), clock=clock, database_url=database_url, guild_ready_timeout=0.01
        ),
        database_url=f"sqlite+aiosqlite:///{tmp_path}/w.db",
        transcript_path=transcript,
        echo=lines.append,
    )
    assert code == 0
    records = [json.loads(line) for line in transcript.read_text(encoding="utf-8").splitlines()]
    assert records, "the walkthrough must show what the bot did"
    assert all(record["action"] != "error" for record in records)
    assert any("Settings saved." in record.get("content", "") for record in records)


def test_commands_json_prints_the_sync_payload() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "commands", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={"PATH": "", "SISTERLIB_LOG_LEVEL": "ERROR"},
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    names = {command["name"] for command in payload}
    assert {"about", "help", "setup", "penpal", "jobs"} <= names
    setup = next(command for command in payload if command["name"] == "setup")
    assert setup["name_localizations"] == {"zh-CN": "设置"}
    assert str(setup["default_member_permissions"]) == "32"
    # Slash commands carry a description; context menus (types 2 and 3) have none.
    assert all(1 <= len(command["description"]) <= 100 for command in payload if command["type"] == 1)


async def test_a_sharded_process_serves_commands_too(database_url: str) -> None:
    settings = Settings(discord=DiscordSettings(shard_count=1, shard_ids=(0,)))
    async with world(database_url, settings=settings) as sharded:
        assert isinstance(sharded.bot, ShardedSisterBot)
        result = await sharded.sandbox.run_command("mod", "setup", {"timezone": "Asia/Shanghai"})
        assert "Asia/Shanghai" in result.content
        assert sharded.sandbox.violations == []
        assert sharded.errors() == []


async def test_a_second_bot_in_one_process_reuses_the_imported_extensions(database_url: str) -> None:
    """discord.py runs an extension again at each load and forgets it at each close; the bot imports
    each once per process, and the second bot's commands still answer."""
    async with world(database_url) as first:
        package, private = sys.modules["cogs.penpal"], sys.modules["cogs.penpal._render"]
        assert (await first.sandbox.run_command("ana", "help")).embeds
    assert sys.modules["cogs.penpal"] is package
    assert sys.modules["cogs.penpal._render"] is private
    database = Database(database_url)
    async with database.session() as session:  # a new sandbox knows no commands: sync again
        await session.execute(delete(BotState).where(BotState.key == COMMAND_HASH_KEY))
    await database.dispose()
    async with world(database_url) as second:
        assert sys.modules["cogs.penpal"] is package
        assert "cogs.penpal" in second.bot.extensions
        reply = await second.sandbox.run_command("ana", "help")
        assert reply.embeds
        assert second.errors() == []
