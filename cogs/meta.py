"""/about and /help."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.checks import is_moderator, requires_moderator
from bot.i18n import _, current_locale
from bot.translator import _T, localized_name

if TYPE_CHECKING:
    from bot.client import SisterBot


def format_uptime(elapsed: timedelta) -> str:
    minutes = int(elapsed.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("{days}d {hours}h {minutes}m").format(days=days, hours=hours, minutes=minutes)
    return _("{hours}h {minutes}m").format(hours=hours, minutes=minutes)


def may_use(command: app_commands.Command, interaction: discord.Interaction, moderator: bool) -> bool:  # type: ignore[type-arg]
    """Mirror what Discord shows (default permissions, guild-only), and hide moderator commands."""
    if requires_moderator(command) and not moderator:
        return False
    guild_only = command.guild_only or (command.parent is not None and command.root_parent.guild_only)  # type: ignore[union-attr]
    if interaction.guild is None and guild_only:
        return False
    root = command.root_parent or command
    required = root.default_permissions
    if required is None or interaction.guild is None:
        return True
    granted = interaction.permissions
    return granted.administrator or required.is_subset(granted)


class Meta(commands.Cog):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=_T("about"), description=_T("What this bot is, its version and how long it has run")
    )
    async def about(self, interaction: discord.Interaction) -> None:
        uptime = self.bot.clock.now() - self.bot.started_at
        embed = discord.Embed(
            title=_("sisterlib {version}").format(version=__version__),
            description=_(
                "I help librarians build sister-library partnerships across countries: pen pals, "
                "shared articles, partnership news and check-ins."
            ),
        )
        embed.add_field(name=_("Uptime"), value=format_uptime(uptime))
        embed.add_field(name=_("Servers"), value=str(len(self.bot.guilds)))
        links = [_("[Source code]({url})").format(url=self.bot.settings.bot.source_url)]
        if self.bot.settings.bot.support_url:
            links.append(_("[Support]({url})").format(url=self.bot.settings.bot.support_url))
        embed.add_field(name=_("Links"), value=" · ".join(links), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name=_T("help"), description=_T("List the commands you can use"))
    async def help(self, interaction: discord.Interaction) -> None:
        locale = current_locale()
        moderator = await is_moderator(interaction)
        lines = []
        for command in sorted(self.bot.tree.walk_commands(), key=lambda c: c.qualified_name):
            if isinstance(command, app_commands.Group) or not may_use(command, interaction, moderator):
                continue
            path = " ".join(localized_name(part, locale) for part in command.qualified_name.split())
            lines.append(f"**/{path}** · {_(command.description)}")
        embed = discord.Embed(title=_("Commands you can use"), description="\n".join(lines)[:4000])
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Meta(bot))
