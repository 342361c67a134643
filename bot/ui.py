"""Base classes for views and modals: each sets the member's language and shares the error handler."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import handle_interaction_error
from bot.i18n import _, set_locale


class LocalizedView(discord.ui.View):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        set_locale(str(interaction.locale))
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await handle_interaction_error(interaction, error, f"view item {getattr(item, 'custom_id', '?')}")


class AuthorOnlyView(LocalizedView):
    """A view that only the member it was made for may use."""

    def __init__(self, author_id: int, *, timeout: float | None = 300) -> None:
        super().__init__(timeout=timeout)
        self.author_id = author_id

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        await super().interaction_check(interaction)
        if interaction.user.id != self.author_id:
            await interaction.response.send_message(_("These buttons are not for you."), ephemeral=True)
            return False
        return True


class LocalizedModal(discord.ui.Modal):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        set_locale(str(interaction.locale))
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        await handle_interaction_error(interaction, error, f"modal {self.custom_id}")
