"""/checkins (moderators: the server's cadence and when a group turns quiet) and /checkin (a
group's members: their own cadence, run in their thread)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checkins.service import CheckinService, Outcome, SettingsView
from bot.checks import moderator_only
from bot.i18n import N_, _
from bot.timefmt import both
from bot.translator import _T
from cogs.checkins._render import refusal

EVERY = {
    1: _T("Every week"),
    2: _T("Every two weeks"),
    4: _T("Every four weeks"),
}
OFF, SERVER_DEFAULT = 0, -1
CADENCE_WORDS = {
    OFF: N_("off"),
    1: N_("every week"),
    2: N_("every two weeks"),
    4: N_("every four weeks"),
}


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild.id


def cadence_text(every_weeks: int) -> str:
    return _(CADENCE_WORDS.get(every_weeks, CADENCE_WORDS[OFF]))


def settings_text(view: SettingsView) -> str:
    return _(
        "Check-ins: {cadence}; a group's first check-in comes at {hour}:00 ({timezone}) unless its "
        "feature picks the time. A group is marked quiet after {missed} missed check-ins in a row."
    ).format(
        cadence=cadence_text(view.every_weeks),
        hour=f"{view.hour:02d}",
        timezone=view.timezone,
        missed=view.missed_before_quiet,
    )


@moderator_only()
class CheckinsAdmin(
    commands.GroupCog,
    group_name=_T("checkins"),
    group_description=_T("Check-ins with pen-pal groups and partnerships (moderators)"),
):
    def __init__(self, service: CheckinService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(name=_T("settings"), description=_T("How often groups are checked in with"))
    @app_commands.describe(
        cadence=_T("How often check-ins are posted in each group's thread"),
        missed=_T("Missed check-ins in a row before a group is marked quiet (1-10)"),
        hour=_T("The hour of a group's first check-in, in the server's time zone (0-23)"),
    )
    @app_commands.rename(cadence=_T("cadence"), missed=_T("missed"), hour=_T("hour"))
    @app_commands.choices(
        cadence=[
            *(app_commands.Choice(name=label, value=weeks) for weeks, label in EVERY.items()),
            app_commands.Choice(name=_T("Off"), value=OFF),
        ]
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        cadence: int | None = None,
        missed: app_commands.Range[int, 1, 10] | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
    ) -> None:
        guild_id = _guild(interaction)
        if cadence is None and missed is None and hour is None:
            view = await self.service.settings(guild_id)
            await interaction.response.send_message(settings_text(view), ephemeral=True)
            return
        view = await self.service.save_settings(guild_id, every_weeks=cadence, missed=missed, hour=hour)
        await interaction.response.send_message(
            _("Saved. {settings}").format(settings=settings_text(view)), ephemeral=True
        )

    @app_commands.command(name=_T("status"), description=_T("Check-ins done and missed, and quiet groups"))
    async def status(self, interaction: discord.Interaction) -> None:
        counts = await self.service.counts(_guild(interaction))
        await interaction.response.send_message(
            _("Check-ins done: {done}. Missed: {missed}. Groups marked quiet now: {quiet}.").format(
                done=counts.done, missed=counts.missed, quiet=counts.quiet
            ),
            ephemeral=True,
        )


@app_commands.guild_only()
class CheckinMember(
    commands.GroupCog,
    group_name=_T("checkin"),
    group_description=_T("Your group's check-ins"),
):
    def __init__(self, service: CheckinService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(
        name=_T("cadence"), description=_T("How often your group is checked in with (run it in its thread)")
    )
    @app_commands.describe(every=_T("How often; or the server's default"))
    @app_commands.rename(every=_T("every"))
    @app_commands.choices(
        every=[
            *(app_commands.Choice(name=label, value=weeks) for weeks, label in EVERY.items()),
            app_commands.Choice(name=_T("The server's default"), value=SERVER_DEFAULT),
        ]
    )
    async def cadence(self, interaction: discord.Interaction, every: int) -> None:
        _guild(interaction)
        channel_id = interaction.channel_id or 0
        changed = await self.service.set_subject_cadence(
            channel_id, interaction.user.id, None if every == SERVER_DEFAULT else every
        )
        if changed.outcome != Outcome.SAVED:
            await interaction.response.send_message(refusal(changed.outcome), ephemeral=True)
            return
        chosen = (
            _("the server's default") if changed.every_weeks is None else cadence_text(changed.every_weeks)
        )
        next_at = both(changed.next_at, changed.timezone) if changed.next_at else _("none for now")
        await interaction.response.send_message(
            _("Saved: check-ins for this group come {cadence}. Next check-in: {when}.").format(
                cadence=chosen, when=next_at
            ),
            ephemeral=True,
        )
