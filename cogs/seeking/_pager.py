"""Previous / Next under a /seeking list: only the member who asked can turn its pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import text
from bot.errors import handle_interaction_error
from bot.i18n import _, set_locale
from bot.seeking.repository import Page
from cogs.seeking._render import page_embed

PAGER_TIMEOUT_S = 600

Loader = Callable[[int], Awaitable[Page]]


class Pager(discord.ui.View):
    def __init__(self, owner_id: int, title: str, load: Loader, page: Page) -> None:
        super().__init__(timeout=PAGER_TIMEOUT_S)
        self.owner_id, self.title, self.load, self.page = owner_id, title, load, page
        self.previous.label = text.fit(_("Previous"), text.BUTTON_LABEL)
        self.next.label = text.fit(_("Next"), text.BUTTON_LABEL)
        self._update()

    def embed(self) -> discord.Embed:
        return page_embed(self.title, self.page)

    def _update(self) -> None:
        self.previous.disabled = self.page.page <= 0
        self.next.disabled = self.page.page + 1 >= self.page.pages

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        set_locale(str(interaction.locale))
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            _("These buttons belong to whoever asked for this list. Run the command yourself."),
            ephemeral=True,
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await handle_interaction_error(interaction, error, "seeking list page")

    @discord.ui.button(label="<", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, self.page.page - 1)

    @discord.ui.button(label=">", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, self.page.page + 1)

    async def _turn(self, interaction: discord.Interaction, page: int) -> None:
        self.page = await self.load(max(page, 0))
        self._update()
        await interaction.response.edit_message(embed=self.embed(), view=self)
