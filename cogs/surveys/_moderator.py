"""/survey-admin: how often surveys go out, and their results (moderators)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only
from bot.i18n import _
from bot.surveys import rules
from bot.surveys.service import SurveyService
from bot.translator import _T
from cogs.surveys import _render

EVERY_CHOICES = [
    app_commands.Choice(name=_T(label), value=months) for months, label in _render.CADENCES.items()
]


@moderator_only()
class SurveyAdmin(
    commands.GroupCog,
    group_name=_T("survey-admin"),
    group_description=_T("Evaluation surveys: how often, and their results (moderators)"),
):
    def __init__(self, service: SurveyService) -> None:
        self.service = service
        super().__init__()

    @staticmethod
    def _guild(interaction: discord.Interaction) -> int:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage
        return interaction.guild.id

    @app_commands.command(
        name=_T("settings"), description=_T("How often surveys go out and how long they stay open")
    )
    @app_commands.describe(
        every=_T("How often a survey goes out (on the 1st of the month, 10:00 server time)"),
        window_days=_T("How many days each survey stays open (1-60, default 14)"),
    )
    @app_commands.rename(every=_T("every"), window_days=_T("window_days"))
    @app_commands.choices(every=EVERY_CHOICES)
    async def settings(
        self, interaction: discord.Interaction, every: int | None = None, window_days: int | None = None
    ) -> None:
        guild_id = self._guild(interaction)
        if window_days is not None:
            rules.check_window(window_days)  # refuses with what to fix, before anything is saved
        if every is None and window_days is None:
            view = await self.service.settings(guild_id)
            message = _render.settings_text(view)
        else:
            view = await self.service.save_settings(guild_id, every_months=every, window_days=window_days)
            message = _("Saved.") + " " + _render.settings_text(view)
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(
        name=_T("results"), description=_T("NPS, response rate and trend of the latest surveys")
    )
    async def results(self, interaction: discord.Interaction) -> None:
        results = await self.service.results(self._guild(interaction))
        await interaction.response.send_message(embeds=_render.results_embeds(results), ephemeral=True)
