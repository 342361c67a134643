"""/about and /help."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.checks import is_moderator, requires_moderator
from bot.errors import UserFacingError
from bot.i18n import _, command_mention, command_name
from bot.text import EMBED_DESCRIPTION, fit, quote
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot


COMMAND_NAME_MAX = 32


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

    def _usable(self, interaction: discord.Interaction, moderator: bool) -> list[app_commands.Command]:  # type: ignore[type-arg]
        return [
            command
            for command in sorted(self.bot.tree.walk_commands(), key=lambda c: c.qualified_name)
            if isinstance(command, app_commands.Command) and may_use(command, interaction, moderator)
        ]

    @app_commands.command(name=_T("help"), description=_T("List the commands you can use"))
    @app_commands.describe(command=_T("A command to list in full, e.g. penpal"))
    @app_commands.rename(command=_T("command"))
    async def help(self, interaction: discord.Interaction, command: str | None = None) -> None:
        moderator = await is_moderator(interaction)
        usable = self._usable(interaction, moderator)
        wanted = command.strip().removeprefix("/").lower()[:COMMAND_NAME_MAX] if command else None
        members: list[str] = []
        moderators: list[str] = []
        if wanted:
            # One top-level command in full: every subcommand with what it does.
            for leaf in usable:
                root = leaf.root_parent or leaf
                if wanted not in (root.name, command_name(root.name).removeprefix("/").lower()):
                    continue
                line = f"{command_mention(leaf.qualified_name)} · {_(leaf.description)}"
                (moderators if requires_moderator(leaf) else members).append(line)
            if not members and not moderators:
                raise UserFacingError(
                    _("There is no command “{name}” you can use here. {help} lists them.").format(
                        name=quote(command or ""), help=command_mention("help")
                    )
                )
        else:
            # Every top-level command once: a plain command as a mention, a group by name with
            # what it is for and how to see its subcommands.
            seen: set[str] = set()
            for leaf in usable:
                root = leaf.root_parent or leaf
                if root.qualified_name in seen:
                    continue
                seen.add(root.qualified_name)
                if isinstance(root, app_commands.Group):
                    leaves = [c for c in usable if (c.root_parent or c) is root]
                    line = _("**{name}** · {description} ({count} commands: {help})").format(
                        name=command_name(root.name),
                        description=_(root.description),
                        count=len(leaves),
                        help=f"`{command_name('help')} {command_name(root.name).removeprefix('/')}`",
                    )
                    is_moderator_only = all(requires_moderator(c) for c in leaves)
                else:
                    line = f"{command_mention(root.qualified_name)} · {_(root.description)}"
                    is_moderator_only = requires_moderator(root)
                (moderators if is_moderator_only else members).append(line)
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

    @help.autocomplete("command")
    async def help_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        moderator = await is_moderator(interaction)
        wanted = current.strip().removeprefix("/").lower()[:COMMAND_NAME_MAX]
        roots: dict[str, str] = {}
        for leaf in self._usable(interaction, moderator):
            root = leaf.root_parent or leaf
            shown = command_name(root.name)
            if wanted in root.name or wanted in shown.lower():
                roots[root.name] = shown
        return [app_commands.Choice(name=shown, value=name) for name, shown in sorted(roots.items())][:25]


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Meta(bot))
