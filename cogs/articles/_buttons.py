"""Buttons on posted articles (persistent: the article id is in the custom_id, so they work after a
restart) and the page buttons of the lists (only for the member who asked)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot import text
from bot.articles.repository import Page
from bot.articles.service import ArticleService
from bot.i18n import _
from bot.penpal.service import PenpalService
from bot.ui import LocalizedItem
from cogs.articles._render import command

if TYPE_CHECKING:
    from bot.client import BotCore


def _client(interaction: discord.Interaction) -> BotCore:
    return interaction.client  # type: ignore[return-value]


def _service(interaction: discord.Interaction) -> ArticleService:
    return _client(interaction).features.service(ArticleService)


def article_buttons(article_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(SaveButton(article_id))
    view.add_item(SendToPenpalButton(article_id))
    return view


class SaveButton(
    LocalizedItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"article:save:(?P<id>\d+)"
):
    def __init__(self, article_id: int) -> None:
        self.article_id = article_id
        super().__init__(
            discord.ui.Button(
                label=text.fit(_("Save"), text.BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=f"article:save:{article_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> SaveButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return
        saved = await _service(interaction).save(interaction.guild_id, interaction.user.id, self.article_id)
        if saved is None:
            message = _("That article was removed, so it cannot be saved.")
        elif saved:
            message = _("Saved to your reading list: see it with {command}.").format(
                command=command("article saved")
            )
        else:
            message = _("It is on your reading list already ({command}).").format(
                command=command("article saved")
            )
        await interaction.response.send_message(message, ephemeral=True)


class SendToPenpalButton(
    LocalizedItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"article:pal:(?P<id>\d+)"
):
    def __init__(self, article_id: int) -> None:
        self.article_id = article_id
        super().__init__(
            discord.ui.Button(
                label=text.fit(_("Send to my pen pal"), text.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"article:pal:{article_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> SendToPenpalButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        client = _client(interaction)
        view = await _service(interaction).article(guild_id, self.article_id)
        if view is None:
            await interaction.followup.send(_("That article was removed."), ephemeral=True)
            return
        thread_id = await _penpal_thread(client, guild_id, interaction.user.id)
        if thread_id is None:
            await interaction.followup.send(
                _("You have no open pen-pal group right now, so there is nowhere to send it."),
                ephemeral=True,
            )
            return
        content = _("{name} thought you would like this article: {title}\n{url}").format(
            name=text.quote(interaction.user.display_name, 80),
            title=text.quote(view.article.title, 150),
            url=view.article.url,
        )
        result = await client.delivery.post(thread_id, content)
        reply = (
            _("Sent to your pen-pal thread <#{thread}>.").format(thread=thread_id)
            if result.reached
            else _("I could not post in your pen-pal thread. Please try again later.")
        )
        await interaction.followup.send(reply, ephemeral=True)


async def _penpal_thread(client: BotCore, guild_id: int, user_id: int) -> int | None:
    try:
        penpals = client.features.service(PenpalService)
    except LookupError:  # pen pals are not installed in this bot
        return None
    status = await penpals.status(guild_id, user_id)
    if status is None:
        return None
    return next((group.thread_id for group in status.groups if group.thread_id is not None), None)


Loader = Callable[[int], Awaitable[Page]]


DYNAMIC_ITEMS = (SaveButton, SendToPenpalButton)
