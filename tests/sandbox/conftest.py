"""A small real discord.py bot and the fixtures that connect it to a fresh sandbox per test."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.clock import ManualClock
from bot.sandbox import DiscordSandbox
from bot.sandbox.runner import RunningBot, capture_bot_errors

START = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
GUILD: dict[str, Any] = {
    "name": "Sister Libraries",
    "locale": "en-US",
    "roles": [{"name": "Moderators", "permissions": ["manage_guild"]}],
    "channels": [
        {"name": "general"},
        {"name": "pen-pals"},
        {"name": "articles", "type": "forum"},
        {"name": "announcements", "type": "announcement"},
    ],
    "members": [
        {"name": "mod", "roles": ["Moderators"]},
        {"name": "wei", "locale": "zh-CN"},
        {"name": "ana", "locale": "es-ES", "dms_closed": True},
    ],
}
COUNTRIES = ["Chile", "China", "Spain"]


class JoinModal(discord.ui.Modal, title="Join the pen pals"):
    library: discord.ui.TextInput[JoinModal] = discord.ui.TextInput(label="Library", max_length=100)
    about: discord.ui.Label[JoinModal] = discord.ui.Label(
        text="About you", component=discord.ui.TextInput(style=discord.TextStyle.long, required=False)
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        about = self.about.component
        assert isinstance(about, discord.ui.TextInput)
        await interaction.response.send_message(
            f"joined: {self.library.value} / {about.value}", ephemeral=True
        )


class PollView(discord.ui.View):
    """Persistent: every item has a custom_id and there is no timeout, so it survives a restart."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Yes", custom_id="poll:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, _button: discord.ui.Button[PollView]) -> None:
        await interaction.response.send_message(f"{interaction.user.name} said yes", ephemeral=True)

    @discord.ui.button(label="No", custom_id="poll:no")
    async def no(self, interaction: discord.Interaction, _button: discord.ui.Button[PollView]) -> None:
        await interaction.response.defer()

    @discord.ui.select(
        placeholder="Pick a day",
        custom_id="poll:day",
        options=[
            discord.SelectOption(label=day, value=day.lower()) for day in ("Monday", "Tuesday", "Friday")
        ],
    )
    async def day(self, interaction: discord.Interaction, select: discord.ui.Select[PollView]) -> None:
        await interaction.response.edit_message(content=f"day: {select.values[0]}")


penpal = app_commands.Group(name="penpal", description="Pen pals")
penpal_round = app_commands.Group(name="round", description="Rounds", parent=penpal)


@penpal.command(name="join", description="Join the pen pals")
async def penpal_join(interaction: discord.Interaction, country: str | None = None) -> None:
    await interaction.response.send_modal(JoinModal())


@penpal_join.autocomplete("country")
async def country_autocomplete(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=c, value=c[:2].upper())
        for c in COUNTRIES
        if c.lower().startswith(current.lower())
    ]


@penpal_round.command(name="preview", description="Preview the next round")
async def round_preview(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await asyncio.sleep(0.01)
    await interaction.followup.send("preview: 3 pairs", ephemeral=True)


@app_commands.command(name="echo", description="Repeat the options")
async def echo(
    interaction: discord.Interaction,
    text: str,
    count: int = 1,
    ratio: float = 1.0,
    loud: bool = False,
    who: discord.Member | None = None,
    where: discord.TextChannel | None = None,
    role: discord.Role | None = None,
) -> None:
    parts = [
        text,
        str(count),
        str(ratio),
        str(loud),
        getattr(who, "name", "-"),
        getattr(where, "name", "-"),
        getattr(role, "name", "-"),
        interaction.locale.value,
        str(interaction.permissions.manage_guild),
    ]
    await interaction.response.send_message("|".join(parts), ephemeral=True)


@app_commands.command(name="admin", description="Moderators only")
@app_commands.default_permissions(manage_guild=True)
async def admin(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("admin ok")


@app_commands.command(name="guildonly", description="Not in DMs")
@app_commands.guild_only()
async def guildonly(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("guild ok")


@app_commands.command(name="ping", description="Ping")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("pong", ephemeral=True)


@app_commands.command(name="poll", description="Post a poll")
async def poll(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(
        "Coming on Friday?", view=PollView(), allowed_mentions=discord.AllowedMentions.none()
    )


@app_commands.command(name="dm", description="DM a member")
async def dm(interaction: discord.Interaction, who: discord.Member) -> None:
    try:
        await who.send("hello from the bot")
    except discord.Forbidden as error:
        await interaction.response.send_message(f"closed: {error.code}", ephemeral=True)
    else:
        await interaction.response.send_message("sent", ephemeral=True)


@app_commands.command(name="pair", description="Open a private thread with a member")
async def pair(interaction: discord.Interaction, who: discord.Member) -> None:
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel)
    try:
        thread = await channel.create_thread(name=f"pair-{who.name}", type=discord.ChannelType.private_thread)
    except discord.Forbidden as error:
        await interaction.response.send_message(f"cannot: {error.code}", ephemeral=True)
        return
    await thread.add_user(who)
    await thread.send(f"Welcome {who.mention}")
    await interaction.response.send_message(f"thread {thread.name}", ephemeral=True)


@app_commands.command(name="slow", description="Answers too late")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(0.15)
    await interaction.response.send_message("late")


@app_commands.command(name="lifecycle", description="Edit, follow up, delete")
async def lifecycle(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("v1")
    await interaction.edit_original_response(content="v2")
    extra = await interaction.followup.send("extra", wait=True)
    await extra.edit(content="extra v2")
    await extra.delete()
    original = await interaction.original_response()
    await original.add_reaction("✅")
    thread = await original.create_thread(name="about v2")
    await thread.send("in the thread")


@app_commands.command(name="long", description="Too long a message")
async def long(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("x" * 2001)


class SampleBot(commands.Bot):
    def __init__(self, *, clock: ManualClock | None = None, database_url: str | None = None) -> None:
        intents = discord.Intents.default()
        intents.members = True
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.01)
        self.clock = clock
        self.database_url = database_url
        self.seen: list[discord.Message] = []
        self.left: list[str] = []
        self.reactions: list[tuple[str, str]] = []
        self.jobs_run = 0

    async def setup_hook(self) -> None:
        for command in (penpal, echo, admin, guildonly, ping, poll, dm, pair, slow, long, lifecycle):
            self.tree.add_command(command)
        self.add_view(PollView())
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author != self.user:
            self.seen.append(message)
            if message.content == "!boom":
                raise RuntimeError("boom")
            if message.content == "!hello":
                await message.channel.send(f"hello {message.author.name}")

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.member is not None and payload.member != self.user:
            self.reactions.append((payload.member.name, str(payload.emoji)))

    async def on_member_remove(self, member: discord.Member) -> None:
        self.left.append(member.name)

    async def run_due_jobs(self) -> None:
        self.jobs_run += 1
        channel = discord.utils.get(self.get_all_channels(), name="general")
        assert isinstance(channel, discord.TextChannel)
        assert self.clock is not None
        await channel.send(f"daily digest {self.clock.now():%Y-%m-%d}")


@pytest.fixture
def sample_bot() -> type[SampleBot]:
    """The bot class, for tests that build their own (test modules import nothing from here)."""
    return SampleBot


@pytest.fixture
def guild_spec() -> dict[str, Any]:
    return copy.deepcopy(GUILD)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[DiscordSandbox]:
    """A fresh sandbox; a test that provokes violations on purpose clears them once asserted."""
    box = DiscordSandbox(clock=clock)
    await box.start()
    box.install()
    box.build_guild(GUILD)
    with capture_bot_errors(box):
        yield box
    await box.stop()
    assert box.violations == [], box.format_transcript()


StartBot = Callable[[], Awaitable[RunningBot]]


@pytest.fixture
async def start_bot(sandbox: DiscordSandbox, clock: ManualClock) -> AsyncIterator[StartBot]:
    running: list[RunningBot] = []

    async def start() -> RunningBot:
        bot = await RunningBot.start(SampleBot, clock, "sqlite+aiosqlite:///:memory:", sandbox)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


@pytest.fixture
async def bot(start_bot: StartBot) -> SampleBot:
    running = await start_bot()
    assert isinstance(running.bot, SampleBot)
    return running.bot
