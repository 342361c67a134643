"""/about and /help."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.checks import is_moderator, requires_moderator
from bot.i18n import _, command_mention
from bot.text import EMBED_DESCRIPTION, fit
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot


def format_uptime(elapsed: timedelta) -> str:
    minutes = int(elapsed.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("{days}d {hours}h {minutes}m").format(days=days, hours=hours, minutes=minutes)
    return _("{hours}h {minutes}m").format(hours=hours, minutes=minutes)


def works_in_dms(command: app_commands.Command | app_commands.Group) -> bool:  # type: ignore[type-arg]
    """Whether Discord offers ``command`` in a DM with the bot (guild_only or contexts say no)."""
    node: app_commands.Command | app_commands.Group | None = command  # type: ignore[type-arg]
    while node is not None:
        if node.guild_only:
            return False
        contexts = node.allowed_contexts
        if contexts is not None and not contexts.dm_channel:
            return False
        node = node.parent
    return True


def may_use(command: app_commands.Command, interaction: discord.Interaction, moderator: bool) -> bool:  # type: ignore[type-arg]
    """Mirror what Discord offers the caller here, and leave out moderator commands for members."""
    if interaction.guild is None:
        return works_in_dms(command) and not requires_moderator(command)
    if requires_moderator(command):
        return moderator
    root = command.root_parent or command
    required = root.default_permissions
    if required is None:
        return True
    granted = interaction.permissions
    return granted.administrator or required.is_subset(granted)


def help_lines(lines: list[str], limit: int = EMBED_DESCRIPTION) -> str:
    """Whole lines up to the embed's limit, so no command is cut in half."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit:
            kept.append("…")
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


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
        moderator = await is_moderator(interaction)
        members: list[str] = []
        moderators: list[str] = []
        for command in sorted(self.bot.tree.walk_commands(), key=lambda c: c.qualified_name):
            if isinstance(command, app_commands.Group) or not may_use(command, interaction, moderator):
                continue
            line = f"{command_mention(command.qualified_name)} · {_(command.description)}"
            (moderators if requires_moderator(command) else members).append(line)
        heading = _("For moderators")
        lines = members + ([f"**{heading}**", *moderators] if moderators else [])
        title = (
            _("Commands you can use") if interaction.guild else _("Commands you can use in direct messages")
        )
        embed = discord.Embed(title=fit(title, 256), description=help_lines(lines))
        if interaction.guild is None:
            embed.set_footer(text=_("More commands work in a server that has the bot."))
        elif moderators and not interaction.permissions.manage_guild:
            # A moderator by role only: Discord hides these until an admin allows the role.
            embed.set_footer(
                text=_(
                    "Discord offers you the moderator commands once a server admin allows your role "
                    "for each of them under Server Settings > Integrations > {bot}."
                ).format(bot=self.bot.user.name if self.bot.user else "sisterlib")
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Meta(bot))
