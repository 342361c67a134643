"""A step ends when the bot's work for it is done or waits on a member, never on a quiet period."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands, tasks

from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox
from bot.sandbox.runner import RunningBot


class Confirm(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.value: bool | None = None

    @discord.ui.button(label="Yes")
    async def yes(self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]) -> None:
        self.value = True
        await interaction.response.send_message("noted", ephemeral=True)
        self.stop()

    @discord.ui.button(label="No")
    async def no(self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]) -> None:
        self.value = False
        await interaction.response.edit_message(content="declined", view=None)
        self.stop()


@app_commands.command(name="work", description="Answers, keeps working, follows up")
async def work(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("started")
    await asyncio.sleep(0.2)
    await interaction.followup.send("finished")


@app_commands.command(name="ask", description="Waits for a button")
async def ask(interaction: discord.Interaction) -> None:
    view = Confirm()
    await interaction.response.send_message("Sure?", view=view)
    await view.wait()
    await interaction.followup.send(f"answer: {view.value}")


@app_commands.command(name="late", description="Answers after the deadline")
async def late(interaction: discord.Interaction) -> None:
    await asyncio.sleep(0.4)
    await interaction.response.send_message("too late")


@app_commands.command(name="stuck", description="Never finishes in time")
async def stuck(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("thinking forever")
    await asyncio.sleep(5)


@app_commands.command(name="spawn", description="Starts a task of its own")
async def spawn(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("spawned")
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel)

    async def later() -> None:
        await asyncio.sleep(0.15)
        await channel.send("from the spawned task")

    interaction.client.spawned = asyncio.create_task(later())  # type: ignore[attr-defined]


@app_commands.command(name="quick", description="Answers at once")
async def quick(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("done", ephemeral=True)


@app_commands.command(name="forget", description="Defers and never follows up")
async def forget(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)


class SettleBot(commands.Bot):
    def __init__(self, *, clock: ManualClock | None = None, database_url: str | None = None) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.01)
        self.idle = asyncio.Event()
        self.background: asyncio.Task[None] | None = None
        self.ticks = 0

    async def setup_hook(self) -> None:
        for command in (work, ask, late, stuck, spawn, forget, quick):
            self.tree.add_command(command)
        await self.tree.sync()

    async def on_ready(self) -> None:
        # A long-lived worker started from an event handler idles on an event: no step waits on it.
        if self.background is None:
            self.background = asyncio.create_task(self._worker())
        # Nor on a discord.ext.tasks loop, though it sleeps between runs rather than idling.
        if not self.ticker.is_running():
            self.ticker.start()

    @tasks.loop(seconds=0.05)
    async def ticker(self) -> None:
        self.ticks += 1

    async def _worker(self) -> None:
        while True:
            await self.idle.wait()
            self.idle.clear()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        await asyncio.sleep(0.2)
        await message.channel.send(f"heard {message.content}")


@pytest.fixture
async def settle_bot(sandbox: DiscordSandbox, clock: ManualClock) -> AsyncIterator[SettleBot]:
    running = await RunningBot.start(SettleBot, clock, "sqlite+aiosqlite:///:memory:", sandbox)
    assert isinstance(running.bot, SettleBot)
    yield running.bot
    await running.stop()


def _steps(sandbox: DiscordSandbox, action: str | None = None) -> list[tuple[int, str, Any]]:
    return [
        (line["step"], line["action"], line.get("content"))
        for line in sandbox.transcript
        if action is None or line["action"] == action
    ]


async def test_a_followup_after_a_pause_belongs_to_the_step(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    sandbox.step = 3
    started = time.monotonic()
    await sandbox.run_command("wei", "work")
    sandbox.step = 4
    assert _steps(sandbox) == [(3, "respond", "started"), (3, "followup", "finished")]
    assert time.monotonic() - started < 5, "a background loop held the step"
    assert settle_bot.ticks > 0


async def test_a_slow_message_handler_answers_within_the_say_step(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    sandbox.step = 7
    await sandbox.say("wei", "hello")
    sandbox.step = 8
    assert _steps(sandbox) == [(7, "send", "heard hello")]


async def test_a_task_the_handler_spawns_is_waited_for(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    sandbox.step = 2
    await sandbox.run_command("wei", "spawn")
    sandbox.step = 3
    assert _steps(sandbox) == [(2, "respond", "spawned"), (2, "send", "from the spawned task")]


async def test_a_handler_waiting_on_a_view_does_not_hold_the_step(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    sandbox.step = 1
    started = time.monotonic()
    result = await sandbox.run_command("wei", "ask")
    waited = time.monotonic() - started
    assert result.content == "Sure?"
    assert waited < 5, f"the step waited {waited:.1f} s for a view nobody had clicked yet"
    sandbox.step = 2
    await sandbox.click("wei", "Yes")
    assert _steps(sandbox) == [
        (1, "respond", "Sure?"),
        (2, "respond", "noted"),
        (2, "followup", "answer: True"),
    ]


async def test_a_late_callback_is_recorded_against_the_step_that_caused_it(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    sandbox.interaction_deadline = 0.2
    sandbox.step = 5
    await sandbox.run_command("wei", "late")
    sandbox.step = 6
    errors = [line for line in sandbox.transcript if line["action"] == "error"]
    assert len(errors) >= 2
    assert {line["step"] for line in errors} == {5}
    assert "did not answer" in errors[0]["detail"]
    assert "10062" in errors[1]["detail"] or "Unknown interaction" in errors[1]["detail"]
    sandbox.transcript.clear()
    sandbox.violations.clear()


async def test_a_handler_busy_past_the_limit_is_an_error_and_the_run_goes_on(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    sandbox.busy_limit = 0.3
    await sandbox.run_command("wei", "stuck")
    errors = [line["detail"] for line in sandbox.transcript if line["action"] == "error"]
    assert len(errors) == 1, errors
    assert "still busy 0.3 s" in errors[0]
    # The stuck task is reported once: the next step does not wait for it again.
    started = time.monotonic()
    await sandbox.run_command("wei", "work")
    assert time.monotonic() - started < 3
    assert [line["content"] for line in sandbox.transcript if line["action"] == "followup"] == ["finished"]
    sandbox.transcript.clear()


async def test_answers_carry_their_latency(sandbox: DiscordSandbox, settle_bot: SettleBot) -> None:
    await sandbox.run_command("wei", "work")
    await sandbox.run_command("wei", "late")
    respond = [line for line in sandbox.transcript if line["action"] == "respond"]
    assert all(isinstance(line["latency_ms"], float) for line in respond)
    assert respond[1]["latency_ms"] >= 400 > respond[0]["latency_ms"]
    followup = next(line for line in sandbox.transcript if line["action"] == "followup")
    assert "latency_ms" not in followup
    assert [name for name, _ in sandbox.latencies] == ["work", "late"]
    # A button answered by editing its message: that edit is the first answer.
    await sandbox.run_command("wei", "ask")
    await sandbox.click("wei", "No")
    edit = next(line for line in sandbox.transcript if line["action"] == "edit")
    assert isinstance(edit["latency_ms"], float)
    assert [name for name, _ in sandbox.latencies] == ["work", "late", "ask", "component"]


async def test_a_defer_nobody_follows_up_is_an_error_once_the_bot_is_done(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    sandbox.step = 4
    started = time.monotonic()
    await sandbox.run_command("wei", "forget")
    assert time.monotonic() - started < 5
    errors = [(line["step"], line["detail"]) for line in sandbox.transcript if line["action"] == "error"]
    assert len(errors) == 1
    assert errors[0][0] == 4
    assert "never followed up" in errors[0][1]
    sandbox.transcript.clear()


async def test_many_steps_in_a_row_never_stall_the_bot(
    sandbox: DiscordSandbox, settle_bot: SettleBot
) -> None:
    # discord.py sends at most 110 gateway messages a minute: settling must never make it send.
    for _ in range(130):
        await sandbox.run_command("wei", "quick")
    assert [line["detail"] for line in sandbox.transcript if line["action"] == "error"] == []
    assert len([line for line in sandbox.transcript if line["action"] == "respond"]) == 130
