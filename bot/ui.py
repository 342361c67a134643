"""Bases for modals and persistent items: each sets the member's language and shares the error handler."""

from __future__ import annotations

import discord

from bot.errors import handle_interaction_error
from bot.i18n import set_locale


class LocalizedModal(discord.ui.Modal):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        set_locale(str(interaction.locale))
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        await handle_interaction_error(interaction, error, f"modal {self.custom_id}")


class LocalizedItem:
    """Mixed into a persistent ``DynamicItem``: the member's language, and the one error handler."""

    custom_id: str

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        set_locale(str(interaction.locale))
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        await handle_interaction_error(interaction, error, f"button {self.custom_id}")
