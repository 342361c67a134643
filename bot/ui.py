"""Bases for modals, persistent items and list pages: each sets the member's language and shares the
error handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import discord

from bot import text
from bot.errors import handle_interaction_error
from bot.i18n import _, set_locale

P = TypeVar("P")


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


PAGER_TIMEOUT_S = 600


class OwnerPager(discord.ui.View, Generic[P]):
    """Previous / Next under one member's list: only the member who asked turns its pages; anyone
    else is told, privately, that the list is not theirs.

    ``load(index)`` fetches a page by its index from 0, ``render(page)`` draws it, and
    ``position(page)`` says which index it is and how many pages there are."""

    def __init__(
        self,
        owner_id: int,
        first: P,
        *,
        load: Callable[[int], Awaitable[P]],
        render: Callable[[P], discord.Embed],
        position: Callable[[P], tuple[int, int]],
        name: str,
    ) -> None:
        super().__init__(timeout=PAGER_TIMEOUT_S)
        self.owner_id, self.page, self.name = owner_id, first, name
        self._load, self._render, self._position = load, render, position
        self.previous.label = text.fit(_("Previous"), text.BUTTON_LABEL)
        self.next.label = text.fit(_("Next"), text.BUTTON_LABEL)
        self._update()

    def embed(self) -> discord.Embed:
        return self._render(self.page)

    def _update(self) -> None:
        index, pages = self._position(self.page)
        self.previous.disabled = index <= 0
        self.next.disabled = index + 1 >= pages

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
        await handle_interaction_error(interaction, error, self.name)

    @discord.ui.button(label="<", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, self._position(self.page)[0] - 1)

    @discord.ui.button(label=">", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, self._position(self.page)[0] + 1)

    async def _turn(self, interaction: discord.Interaction, index: int) -> None:
        self.page = await self._load(max(index, 0))
        self._update()
        await interaction.response.edit_message(embed=self.embed(), view=self)
