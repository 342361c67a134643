"""/penpal-rounds: the moderators' commands, a top-level group Discord hides from members."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot import text
from bot.checks import moderator_only
from bot.errors import UserFacingError
from bot.i18n import _, ngettext
from bot.penpal.channels import NEEDS
from bot.penpal.models import CrossBorder
from bot.penpal.rounds import Refusal, RoundRefused, RoundService, RoundStarted
from bot.permissions import require_permissions
from bot.scheduler import JobScheduler
from bot.timefmt import both
from bot.translator import _T
from cogs.penpal._render import command, preview_reason

# How long /penpal-rounds run waits for the introductions before answering.
INLINE_WAIT_S = 10.0
CADENCES = {"weekly": _T("Every week"), "biweekly": _T("Every two weeks"), "monthly": _T("Every month")}
CROSS_BORDER = {
    CrossBorder.STRICT: _T("Cross-border first (most groups across countries)"),
    CrossBorder.PREFERRED: _T("Cross-border preferred (weighed with interests and hours)"),
}
WEEKDAYS = (
    _T("Monday"),
    _T("Tuesday"),
    _T("Wednesday"),
    _T("Thursday"),
    _T("Friday"),
    _T("Saturday"),
    _T("Sunday"),
)


def check_channel(channel: discord.TextChannel) -> None:
    """Refuse a channel that cannot hold private pen-pal threads, saying what to fix."""
    if channel.is_news():
        raise UserFacingError(
            _(
                "{channel} is an announcement channel, which cannot hold private threads. Nothing was "
                "saved; choose a text channel."
            ).format(channel=channel.mention)
        )
    require_permissions(channel, NEEDS)


@moderator_only()
class PenpalRounds(
    commands.GroupCog,
    group_name=_T("penpal-rounds"),
    group_description=_T("Pen-pal rounds: settings, preview, run and close (moderators)"),
):
    def __init__(self, rounds: RoundService, scheduler: JobScheduler) -> None:
        self.rounds = rounds
        self.scheduler = scheduler
        self._dispatches: set[asyncio.Task[int]] = set()
        super().__init__()

    @staticmethod
    def _guild(interaction: discord.Interaction) -> int:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage
        return interaction.guild.id

    @app_commands.command(
        name=_T("preview"), description=_T("Dry run: show the groups a round would make now")
    )
    async def preview(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.rounds.preview(self._guild(interaction))
        names = {str(p.user_id): text.single_line(p.display_name) for p in preview.profiles}
        count = len(preview.profiles)
        lines = [
            ngettext("{count} member in the pool.", "{count} members in the pool.", count).format(count=count)
        ]
        lines += [" · ".join(names[user_id] for user_id in group) for group in preview.result.groups]
        lines += [
            f"{names[user_id]}: {preview_reason(reason)}" for user_id, reason in preview.result.unmatched
        ]
        await interaction.followup.send(text.fit("\n".join(lines), text.MESSAGE_CONTENT), ephemeral=True)

    @app_commands.command(name=_T("run"), description=_T("Start a pen-pal round now"))
    async def run(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.rounds.run_now(guild_id)
        if isinstance(outcome, RoundRefused):
            await interaction.followup.send(
                self._refusal(outcome, (await self.rounds.guild(guild_id))[0]), ephemeral=True
            )
            return
        # The round's introductions are jobs written with it, due now: dispatch them at once
        # rather than at the next wake-up, and wait a little so a small round is reported done.
        # A big one goes on, paced under Discord's limits; problems reach the moderator channel.
        dispatch = asyncio.create_task(self.scheduler.run_due_jobs())
        self._dispatches.add(dispatch)
        dispatch.add_done_callback(self._dispatches.discard)
        done, _pending = await asyncio.wait({dispatch}, timeout=INLINE_WAIT_S)
        await interaction.followup.send(self._started(outcome, introduced=bool(done)), ephemeral=True)

    @staticmethod
    def _started(outcome: RoundStarted, *, introduced: bool) -> str:
        if not outcome.groups:
            started = _("Nobody could be paired now, so no round is open.")
        elif introduced:
            started = ngettext(
                "Round started: {count} group introduced.",
                "Round started: {count} groups introduced.",
                outcome.groups,
            )
        else:
            started = ngettext(
                "Round started: {count} group; its introduction is still being posted, and any "
                "problem will reach the moderator channel.",
                "Round started: {count} groups; their introductions are still being posted, and any "
                "problem will reach the moderator channel.",
                outcome.groups,
            )
        started = started.format(count=outcome.groups)
        if not outcome.unmatched:
            return started
        unmatched = ngettext(
            "{count} member has no partner this round and was told why.",
            "{count} members have no partner this round and were told why.",
            outcome.unmatched,
        ).format(count=outcome.unmatched)
        return f"{started} {unmatched}"

    @staticmethod
    def _refusal(outcome: RoundRefused, timezone: str) -> str:
        if outcome.reason == Refusal.NO_CHANNEL:
            return _("Choose the pen-pal channel first with {command}.").format(
                command=command("penpal-rounds settings")
            )
        return _(
            "A round is still open (until {when}), so no new round was started. Close it first with "
            "{command}, then run a new one."
        ).format(
            when=both(outcome.open_until, timezone) if outcome.open_until else "—",
            command=command("penpal-rounds close"),
        )

    @app_commands.command(name=_T("close"), description=_T("Close the open pen-pal round now"))
    async def close(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = await self.rounds.close_now(guild_id)
        if not closed:
            await interaction.followup.send(_("No round is open."), ephemeral=True)
            return
        await self.scheduler.run_due_jobs()
        await interaction.followup.send(
            _("The round is closed; members were asked to rate it. {command} starts a new one.").format(
                command=command("penpal-rounds run")
            ),
            ephemeral=True,
        )

    @app_commands.command(
        name=_T("settings"), description=_T("Choose the pen-pal channel and when rounds happen")
    )
    @app_commands.describe(
        channel=_T("The channel where private pen-pal threads are opened"),
        cadence=_T("How often rounds happen"),
        weekday=_T("The day rounds start"),
        hour=_T("The hour rounds start, in the server's time zone (0-23)"),
        no_repeat_rounds=_T("For how many rounds the same two people are not paired again"),
        cross_border=_T("Partners in another country: first of all, or one wish among others"),
    )
    @app_commands.rename(
        channel=_T("channel"),
        cadence=_T("cadence"),
        weekday=_T("weekday"),
        hour=_T("hour"),
        no_repeat_rounds=_T("no_repeat_rounds"),
        cross_border=_T("cross_border"),
    )
    @app_commands.choices(
        cadence=[app_commands.Choice(name=label, value=code) for code, label in CADENCES.items()],
        weekday=[app_commands.Choice(name=label, value=index) for index, label in enumerate(WEEKDAYS)],
        cross_border=[app_commands.Choice(name=label, value=code) for code, label in CROSS_BORDER.items()],
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        cadence: str | None = None,
        weekday: int | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        no_repeat_rounds: app_commands.Range[int, 0, 52] | None = None,
        cross_border: str | None = None,
    ) -> None:
        guild_id = self._guild(interaction)
        if channel is not None:
            check_channel(channel)
        changes = {
            key: value
            for key, value in {
                "channel_id": channel.id if channel else None,
                "cadence": cadence,
                "weekday": weekday,
                "hour": hour,
                "no_repeat_rounds": no_repeat_rounds,
                "cross_border": cross_border,
            }.items()
            if value is not None
        }
        saved = await self.rounds.save_settings(guild_id, **changes)
        if saved.channel_id is None:
            message = _("Saved. Choose the pen-pal channel too, then rounds will be scheduled.")
        else:
            message = _("Saved. Pen-pal threads open in <#{channel}>. Next round: {when}.").format(
                channel=saved.channel_id,
                when=both(saved.next_round_at, saved.timezone) if saved.next_round_at else "—",
            )
        await interaction.response.send_message(message, ephemeral=True)
