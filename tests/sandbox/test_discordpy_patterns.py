"""discord.py's documented patterns (its examples, rewritten small) against the stand-in.

Each bot here is written as discord.py's documentation shows; the sandbox must answer it as
Discord does, including the error codes Discord returns when the bot does something wrong.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox, SandboxError
from bot.sandbox.runner import RunningBot

# -- app_commands/basic.py: a command with options -----------------------------------------------


@app_commands.command(description="Adds two numbers together.")
@app_commands.describe(first_value="The first value", second_value="The second value")
async def add(interaction: discord.Interaction, first_value: int, second_value: int) -> None:
    await interaction.response.send_message(f"{first_value} + {second_value} = {first_value + second_value}")


@app_commands.command(description="Joined at")
async def joined(interaction: discord.Interaction, member: discord.Member | None = None) -> None:
    member = member or interaction.user  # type: ignore[assignment]
    assert isinstance(member, discord.Member)
    await interaction.response.send_message(f"{member} joined {discord.utils.format_dt(member.joined_at)}")


# -- modals.py ------------------------------------------------------------------------------------


class Feedback(discord.ui.Modal, title="Feedback"):
    name = discord.ui.TextInput(label="Name", placeholder="Your name here...")
    feedback = discord.ui.TextInput(
        label="What do you think of this new feature?", style=discord.TextStyle.long
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Thanks for your feedback, {self.name.value}!", ephemeral=True
        )


@app_commands.command(description="Submit feedback")
async def feedback(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(Feedback())


# -- views/confirm.py -----------------------------------------------------------------------------


class Confirm(discord.ui.View):
    def __init__(self) -> None:
        super().__init__()
        self.value: bool | None = None

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.green)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]) -> None:
        await interaction.response.send_message("Confirming", ephemeral=True)
        self.value = True
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.grey)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]) -> None:
        await interaction.response.send_message("Cancelling", ephemeral=True)
        self.value = False
        self.stop()


@app_commands.command(description="Asks the user a question to confirm something.")
async def ask(interaction: discord.Interaction) -> None:
    view = Confirm()
    await interaction.response.send_message("Do you want to continue?", view=view)
    await view.wait()
    if view.value is None:
        await interaction.followup.send("Timed out...")
    elif view.value:
        await interaction.followup.send("Confirmed...")
    else:
        await interaction.followup.send("Cancelled...")


# -- views/dynamic_counter.py: a persistent DynamicItem -----------------------------------------


class DynamicCounter(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"counter:(?P<count>[0-9]+):user:(?P<id>[0-9]+)"
):
    def __init__(self, user_id: int, count: int = 0) -> None:
        self.user_id = user_id
        self.count = count
        super().__init__(
            discord.ui.Button(
                label=f"Total: {count}",
                style=discord.ButtonStyle.blurple,
                custom_id=f"counter:{count}:user:{user_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Button[Any], match: re.Match[str]
    ) -> DynamicCounter:
        return cls(int(match["id"]), count=int(match["count"]))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.user_id

    async def callback(self, interaction: discord.Interaction) -> None:
        self.count += 1
        self.item.label = f"Total: {self.count}"
        self.custom_id = f"counter:{self.count}:user:{self.user_id}"
        await interaction.response.edit_message(view=self.view)


@app_commands.command(description="Starts a dynamic counter.")
async def counter(interaction: discord.Interaction) -> None:
    view = discord.ui.View(timeout=None)
    view.add_item(DynamicCounter(interaction.user.id))
    await interaction.response.send_message("Here is your very own button!", view=view)


# -- views/ephemeral.py: editing an ephemeral message -------------------------------------------


class EphemeralCounter(discord.ui.View):
    @discord.ui.button(label="0", style=discord.ButtonStyle.red)
    async def count(
        self, interaction: discord.Interaction, button: discord.ui.Button[EphemeralCounter]
    ) -> None:
        number = int(button.label) if button.label else 0
        if number + 1 >= 2:
            button.style = discord.ButtonStyle.green
            button.disabled = True
        button.label = str(number + 1)
        await interaction.response.edit_message(view=self)


@app_commands.command(description="Starts an ephemeral counter")
async def ephemeral(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Press!", view=EphemeralCounter(), ephemeral=True)


# -- app_commands/transformers.py ---------------------------------------------------------------


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


class PointTransformer(app_commands.Transformer):
    async def transform(self, _interaction: discord.Interaction, value: str) -> Point:
        x, _, y = value.partition(",")
        return Point(int(x.strip()), int(y.strip()))


@app_commands.command(description="Graph a point")
async def graph(
    interaction: discord.Interaction,
    point: app_commands.Transform[Point, PointTransformer],
    scale: app_commands.Range[int, 1, 10] = 1,
) -> None:
    await interaction.response.send_message(f"({point.x * scale}, {point.y * scale})")


# -- context menus ------------------------------------------------------------------------------


@app_commands.context_menu(name="Show Join Date")
async def show_join_date(interaction: discord.Interaction, member: discord.Member) -> None:
    await interaction.response.send_message(f"{member.name} joined", ephemeral=True)


@app_commands.context_menu(name="Report to Moderators")
async def report_message(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"Reported {message.author.name}'s message", ephemeral=True)


# -- followup, edit, delete; threads, DMs, reactions, publishing --------------------------------


@app_commands.command(description="Think, follow up, edit and delete")
async def lifecycle(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("first")
    extra = await interaction.followup.send("second", wait=True)
    await interaction.edit_original_response(content="first, edited")
    await extra.delete()


@app_commands.command(description="Open a private thread")
async def private(interaction: discord.Interaction, member: discord.Member) -> None:
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel)
    thread = await channel.create_thread(name="just us", type=discord.ChannelType.private_thread)
    await thread.add_user(member)
    await thread.send(f"Welcome {member.mention}", allowed_mentions=discord.AllowedMentions(users=[member]))
    await interaction.response.send_message("thread opened", ephemeral=True)


@app_commands.command(description="DM someone")
async def dm(interaction: discord.Interaction, member: discord.Member) -> None:
    try:
        await member.send("psst")
    except discord.Forbidden as error:
        await interaction.response.send_message(f"refused {error.code}", ephemeral=True)
        return
    await interaction.response.send_message("sent", ephemeral=True)


@app_commands.command(description="Announce and publish")
async def announce(interaction: discord.Interaction, text: str) -> None:
    channel = discord.utils.get(interaction.guild.text_channels, name="announcements")  # type: ignore[union-attr]
    assert channel is not None
    message = await channel.send(text)
    await message.publish()
    await message.add_reaction("📣")
    await interaction.response.send_message("published", ephemeral=True)


@app_commands.command(description="Answers twice")
async def twice(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("once")
    # discord.py refuses a second answer itself; the raw route shows what Discord says.
    with contextlib.suppress(discord.InteractionResponded):
        await interaction.response.send_message("twice")
    try:
        await interaction.client.http.request(  # type: ignore[attr-defined]
            discord.http.Route(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                interaction_id=interaction.id,
                interaction_token=interaction.token,
            ),
            json={"type": 4, "data": {"content": "twice"}},
        )
    except discord.HTTPException as error:
        await interaction.followup.send(f"refused {error.code}")


@app_commands.command(description="Too long")
async def toolong(interaction: discord.Interaction) -> None:
    try:
        await interaction.response.send_message("x" * 2001)
    except discord.HTTPException as error:
        await interaction.response.send_message(f"refused {error.code}", ephemeral=True)


COMMANDS = (
    add,
    joined,
    feedback,
    ask,
    counter,
    ephemeral,
    graph,
    show_join_date,
    report_message,
    lifecycle,
    private,
    dm,
    announce,
    twice,
    toolong,
)


class PatternsBot(commands.Bot):
    def __init__(self, *, clock: ManualClock | None = None, database_url: str | None = None) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.01)
        self.reactions: list[tuple[str, str]] = []

    async def setup_hook(self) -> None:
        for command in COMMANDS:
            self.tree.add_command(command)
        self.add_dynamic_items(DynamicCounter)
        await self.tree.sync()

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.member is not None and not payload.member.bot:
            self.reactions.append((payload.member.name, str(payload.emoji)))


async def _start(sandbox: DiscordSandbox, clock: ManualClock) -> RunningBot:
    return await RunningBot.start(PatternsBot, clock, "sqlite+aiosqlite:///:memory:", sandbox)


@pytest.fixture
async def patterns(sandbox: DiscordSandbox, clock: ManualClock) -> AsyncIterator[PatternsBot]:
    running = await _start(sandbox, clock)
    assert isinstance(running.bot, PatternsBot)
    yield running.bot
    await running.stop()


def _errors(sandbox: DiscordSandbox) -> list[str]:
    return [line["detail"] for line in sandbox.transcript if line["action"] == "error"]


async def test_a_command_with_options(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    result = await sandbox.run_command("wei", "add", {"first_value": 2, "second_value": 40})
    assert result.content == "2 + 40 = 42"
    result = await sandbox.run_command("wei", "joined", {"member": "ana"})
    assert result.content is not None
    assert result.content.startswith("ana joined <t:")
    with pytest.raises(SandboxError, match="needs a number"):
        await sandbox.run_command("wei", "add", {"first_value": "two", "second_value": 1})


async def test_a_modal(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    opened = await sandbox.run_command("wei", "feedback")
    assert opened.modal is not None
    assert opened.modal["title"] == "Feedback"
    result = await sandbox.submit_modal(
        "wei", {"Name": "Wei", "What do you think of this new feature?": "useful"}
    )
    assert result.content == "Thanks for your feedback, Wei!"
    assert result.ephemeral


async def test_a_confirm_view(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    await sandbox.run_command("wei", "ask")
    result = await sandbox.click("wei", "Cancel")
    assert result.content == "Cancelling"
    assert [line["content"] for line in sandbox.transcript if line["action"] == "followup"] == [
        "Cancelled..."
    ]


async def test_a_dynamic_item_survives_a_restart(
    sandbox: DiscordSandbox, clock: ManualClock, patterns: PatternsBot
) -> None:
    first = await sandbox.run_command("wei", "counter")
    line = first.lines[0]["line"]
    await sandbox.click("wei", "Total: 0", message=line)
    await patterns.close()
    running = await _start(sandbox, clock)
    try:
        await sandbox.click("wei", "Total: 1", message=line)
        assert [b["label"] for b in sandbox.message_at_line(line).components[0]["components"]] == ["Total: 2"]
        # Someone else's counter: interaction_check says no, so discord.py never answers.
        sandbox.interaction_deadline = 0.2
        await sandbox.click("ana", "Total: 2", message=line)
        assert any("did not answer" in error for error in _errors(sandbox))
    finally:
        await running.stop()
    sandbox.transcript.clear()


async def test_ephemeral_edits(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    result = await sandbox.run_command("wei", "ephemeral")
    assert result.ephemeral
    await sandbox.click("wei", "0")
    edited = await sandbox.click("wei", "1")
    assert edited.message is not None
    button = edited.message.components[0]["components"][0]
    assert (button["label"], button.get("disabled")) == ("2", True)
    with pytest.raises(SandboxError, match="disabled"):
        await sandbox.click("wei", "2")
    with pytest.raises(SandboxError, match="sees no message"):
        await sandbox.click("ana", "2")  # ana never sees wei's ephemeral message


async def test_transformers_and_ranges(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    result = await sandbox.run_command("wei", "graph", {"point": "3, 4", "scale": 2})
    assert result.content == "(6, 8)"
    with pytest.raises(SandboxError, match="between 1 and 10"):
        await sandbox.run_command("wei", "graph", {"point": "1,1", "scale": 11})


async def test_context_menus(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    result = await sandbox.user_command("wei", "Show Join Date", "ana")
    assert result.content == "ana joined"
    posted = await sandbox.run_command("wei", "add", {"first_value": 1, "second_value": 1})
    result = await sandbox.message_command("ana", "Report to Moderators", posted.lines[0]["line"])
    assert result.content == "Reported sisterlib's message"
    with pytest.raises(SandboxError, match="no user command"):
        await sandbox.user_command("wei", "Report to Moderators", "ana")


async def test_followup_edit_and_delete(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    await sandbox.run_command("wei", "lifecycle")
    actions = [(line["action"], line.get("content")) for line in sandbox.transcript]
    assert actions == [
        ("defer", None),
        ("followup", "first"),
        ("followup", "second"),
        ("edit", "first, edited"),
        ("delete", None),
    ]
    assert [m.content for m in sandbox.messages("general")] == ["first, edited"]


async def test_a_private_thread(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    await sandbox.run_command("wei", "private", {"member": "ana"})
    thread = next(line for line in sandbox.transcript if line["action"] == "thread")
    assert thread["private"] is True
    welcome = next(line for line in sandbox.transcript if line["action"] == "send")
    assert welcome["channel"] == "just us"
    assert welcome["pings"] == ["ana"]
    with pytest.raises(SandboxError):
        await sandbox.say("mod", "may I?", channel="just us")


async def test_dms_open_and_closed(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    sent = await sandbox.run_command("mod", "dm", {"member": "wei"})
    assert sent.content == "sent"
    assert [m.content for m in sandbox.messages("dm:wei")] == ["psst"]
    refused = await sandbox.run_command("mod", "dm", {"member": "ana"})
    assert refused.content == "refused 50007"
    assert any("50007" in error for error in _errors(sandbox))
    sandbox.transcript.clear()


async def test_publish_and_react(sandbox: DiscordSandbox, patterns: PatternsBot) -> None:
    await sandbox.run_command("mod", "announce", {"text": "Round two opens"})
    actions = [line["action"] for line in sandbox.transcript]
    assert actions == ["send", "publish", "react", "respond"]
    await sandbox.react("wei", "👍", message={"channel": "announcements", "contains": "Round two"})
    assert patterns.reactions == [("wei", "👍")]


async def test_discord_refuses_a_second_answer_and_too_long_content(
    sandbox: DiscordSandbox, patterns: PatternsBot
) -> None:
    await sandbox.run_command("wei", "twice")
    assert [line["content"] for line in sandbox.transcript if line["action"] == "followup"] == [
        "refused 40060"
    ]
    await sandbox.run_command("wei", "toolong")
    assert "refused 50035" in [line.get("content") for line in sandbox.transcript]
    assert any("40060" in error for error in _errors(sandbox))
    assert any("50035" in error for error in _errors(sandbox))
    sandbox.transcript.clear()
    sandbox.violations.clear()


async def test_missing_permissions_are_refused_as_on_discord(
    sandbox: DiscordSandbox, patterns: PatternsBot
) -> None:
    sandbox.deny_bot(channel="announcements", permission="send_messages")
    sandbox.interaction_deadline = 0.3  # the handler raises before answering: the member sees a failure
    await sandbox.run_command("mod", "announce", {"text": "nope"})
    errors = _errors(sandbox)
    assert any("50013" in error for error in errors)
    assert any("did not answer" in error for error in errors)
    sandbox.transcript.clear()
