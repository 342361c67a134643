"""/privacy: a member sees everything the bot keeps about them, or deletes it.

Both go through the feature registry's hooks, so a new feature's tables cannot be forgotten.
Deleting asks for a press of a button that only the member can use and that survives a restart.
"""

from __future__ import annotations

import io
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import text
from bot.i18n import _, ngettext, register_job_label
from bot.pauses import erase_moderator
from bot.privacy import ERASE_LEAVER, LABELS, Retention, export_document, export_filename, items_kept
from bot.scheduler import JobContext
from bot.translator import _T
from bot.ui import LocalizedItem

if TYPE_CHECKING:
    from bot.client import BotCore, SisterBot

log = logging.getLogger("cogs.privacy")


async def erase_member(bot: BotCore, guild_id: int, user_id: int) -> int:
    """Every feature's data about the member, and the core's: who paused a programme."""
    counts = await bot.features.erase_member(guild_id, user_id)
    return items_kept(counts) + await erase_moderator(bot.database, guild_id, user_id)


class EraseButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"privacy:erase:(?P<guild_id>\d{1,20}):(?P<user_id>\d{1,20})",
):
    """Deletes the member's data in one server; the ids in the custom_id say whose and where."""

    def __init__(self, guild_id: int, user_id: int, label: str | None = None) -> None:
        self.guild_id = guild_id
        self.user_id = user_id
        super().__init__(
            discord.ui.Button(
                label=text.fit(label or _("Delete my data"), text.BUTTON_LABEL),
                style=discord.ButtonStyle.danger,
                custom_id=f"privacy:erase:{guild_id}:{user_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> EraseButton:
        return cls(int(match["guild_id"]), int(match["user_id"]), item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id or interaction.guild_id != self.guild_id:
            await interaction.response.send_message(
                _("This button deletes someone else's data, so it is not yours to press."), ephemeral=True
            )
            return
        client: BotCore = interaction.client  # type: ignore[assignment]
        await interaction.response.defer(ephemeral=True, thinking=True)
        erased = await erase_member(client, self.guild_id, self.user_id)
        log.info("member data erased on request: %d items", erased)
        await interaction.followup.send(
            ngettext(
                "Done: {count} item about you was deleted. Anonymous counts (such as how many "
                "articles were shared) stay.",
                "Done: {count} items about you were deleted. Anonymous counts (such as how many "
                "articles were shared) stay.",
                erased,
            ).format(count=erased),
            ephemeral=True,
        )


@app_commands.guild_only()
class Privacy(
    commands.GroupCog,
    group_name=_T("privacy"),
    group_description=_T("See or delete what the bot keeps about you"),
):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name=_T("export"), description=_T("Get everything the bot keeps about you as a file")
    )
    async def export(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        now = self.bot.clock.now()
        data = await self.bot.features.export_member(interaction.guild_id, interaction.user.id)
        document = export_document(
            guild_id=interaction.guild_id, user_id=interaction.user.id, generated_at=now, features=data
        )
        await interaction.followup.send(
            _("Here is everything this bot keeps about you in this server. Only you can see this message."),
            file=discord.File(
                io.BytesIO(document), filename=export_filename(interaction.guild_id, interaction.user.id, now)
            ),
            ephemeral=True,
        )

    @app_commands.command(
        name=_T("delete"), description=_T("Delete what the bot keeps about you in this server")
    )
    async def delete(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        counts = await self.bot.features.count_member(interaction.guild_id, interaction.user.id)
        kept = items_kept(counts)
        if kept == 0:
            await interaction.response.send_message(
                _("The bot keeps nothing about you in this server."), ephemeral=True
            )
            return
        view = discord.ui.View(timeout=None)
        view.add_item(EraseButton(interaction.guild_id, interaction.user.id))
        await interaction.response.send_message(
            ngettext(
                "The bot keeps {count} item about you here (your pen-pal profile, reading list, "
                "reminders and the like). Press the button to delete it for good; this cannot be "
                "undone. Anonymous counts stay.",
                "The bot keeps {count} items about you here (your pen-pal profile, reading list, "
                "reminders and the like). Press the button to delete them for good; this cannot be "
                "undone. Anonymous counts stay.",
                kept,
            ).format(count=kept),
            view=view,
            ephemeral=True,
        )


class Departures(commands.Cog):
    """A member who leaves has their data erased after the server's retention days, unless they return."""

    def __init__(self, bot: SisterBot, retention: Retention) -> None:
        self.bot = bot
        self.retention = retention

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.retention.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await self.retention.member_returned(member.guild.id, member.id)

    async def erase_leaver(self, ctx: JobContext) -> None:
        guild_id, user_id = int(ctx.payload["guild_id"]), int(ctx.payload["user_id"])
        guild = self.bot.get_guild(guild_id)
        if guild is not None and guild.get_member(user_id) is not None:
            return  # back in the server (a join the bot missed while it was offline)
        log.info("departed member's data erased: %d items", await erase_member(self.bot, guild_id, user_id))


async def setup(bot: SisterBot) -> None:
    departures = Departures(bot, Retention(bot.database, bot.clock, bot.scheduler))
    bot.scheduler.register(ERASE_LEAVER, departures.erase_leaver, max_lateness=None)
    register_job_label(ERASE_LEAVER, LABELS[ERASE_LEAVER])
    bot.add_dynamic_items(EraseButton)
    await bot.add_cog(Privacy(bot))
    await bot.add_cog(departures)


async def teardown(bot: SisterBot) -> None:
    bot.remove_dynamic_items(EraseButton)
