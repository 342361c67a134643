"""/survey: members sign up for the evaluation surveys, or stop them."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import _, normalise_locale
from bot.surveys.service import SurveyService
from bot.timefmt import both
from bot.translator import _T
from cogs.surveys import _render


def guild_of(interaction: discord.Interaction) -> int:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild.id


@app_commands.guild_only()
class Survey(
    commands.GroupCog,
    group_name=_T("survey"),
    group_description=_T("The community's short evaluation surveys"),
):
    def __init__(self, service: SurveyService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(name=_T("opt-in"), description=_T("Get the short survey by direct message"))
    async def opt_in(self, interaction: discord.Interaction) -> None:
        guild_id = guild_of(interaction)
        opted = await self.service.opt_in(
            guild_id, interaction.user.id, normalise_locale(str(interaction.locale))
        )
        head = (
            _("You were already signed up for the surveys.")
            if opted.already
            else _("You are signed up: the survey comes by direct message, in your language.")
        )
        if opted.next_survey_at is None:
            when = _("Moderators have not scheduled the next survey yet.")
        else:
            when = _("Next survey: {when}.").format(when=both(opted.next_survey_at, opted.timezone))
        lines = [
            head,
            when,
            _render.privacy_note(),
            _("Keep direct messages from server members open to receive it; {command} stops it.").format(
                command=_render.command("survey opt-out")
            ),
        ]
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name=_T("opt-out"), description=_T("Stop getting the surveys"))
    async def opt_out(self, interaction: discord.Interaction) -> None:
        if await self.service.opt_out(guild_of(interaction), interaction.user.id):
            message = _(
                "Done: no more surveys for you. Answers you already gave stay in the totals, without "
                "your name; {command} deletes them."
            ).format(command=_render.command("privacy delete"))
        else:
            message = _(
                "You were not signed up for the surveys, so nothing changed. {command} signs you up."
            ).format(command=_render.command("survey opt-in"))
        await interaction.response.send_message(message, ephemeral=True)
