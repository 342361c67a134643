"""/audit: what moderators changed, newest first, by member and by kind of action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_only, requires_moderator
from bot.db.core_repo import audit_actions_used, audit_entries, get_guild_settings, record_audit
from bot.i18n import N_, _, audit_label, command_name, ngettext, register_audit_label
from bot.text import CHOICE_NAME, MESSAGE_CONTENT, fit, single_line
from bot.timefmt import local_time
from bot.translator import _T

if TYPE_CHECKING:
    from bot.client import SisterBot
    from bot.db.models import AuditEntry

LISTED = 20
DETAILS_SHOWN = 120
KIND_MAX = 64

# The core's own actions; each feature names its own through the registry.
register_audit_label("setup", N_("server settings changed"))
register_audit_label("job.retry", N_("failed job retried"))


# Moderator commands that change nothing (views), and those that write their own, richer entry.
READ_ONLY = frozenset(
    {
        "audit",
        "dashboard",
        "config show",
        "jobs failed",
        "jobs upcoming",
        "penpal-rounds preview",
        "announce list",
        "feed list",
        "survey-admin results",
        "checkins status",
        "admin export",
    }
)
AUDITS_ITSELF = frozenset(
    {
        "setup",
        "config set",
        "jobs retry",
        "announce schedule",
        "announce edit",
        "announce cancel",
        "admin import",
    }
)
OPTION_SHOWN = 100


def command_action(name: str) -> str:
    return f"command:{name}"


def option_value(value: object) -> str:
    if isinstance(value, discord.abc.User):
        return f"<@{value.id}>"
    if isinstance(value, discord.Role):
        return f"<@&{value.id}>"
    if isinstance(value, discord.abc.GuildChannel | discord.Thread | app_commands.AppCommandChannel):
        return f"<#{value.id}>"
    if isinstance(value, discord.Attachment):
        return value.filename
    if isinstance(value, app_commands.Choice):
        return str(value.value)
    return fit(single_line(str(value)), OPTION_SHOWN)


def describe_entry(entry: AuditEntry, timezone: str) -> str:
    details = ", ".join(f"{key}={value}" for key, value in sorted((entry.details or {}).items()))
    actor = f"<@{entry.actor_id}>" if entry.actor_id else _("(someone who has left)")
    line = f"{local_time(entry.at, timezone)} · {actor} · {action_label(entry.action)}"
    if details:
        line += " · " + fit(single_line(details), DETAILS_SHOWN)
    return line


def action_label(action: str) -> str:
    """A named action in the reader's language; a command as the reader's client names it."""
    if action.startswith("command:"):
        return command_name(action.removeprefix("command:"))
    return audit_label(action)


class Audit(commands.Cog):
    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot

    @app_commands.command(name=_T("audit"), description=_T("What moderators changed, newest first"))
    @app_commands.describe(member=_T("Only what this member did"), kind=_T("Only this kind of action"))
    @app_commands.rename(member=_T("member"), kind=_T("kind"))
    @moderator_only()
    async def audit(
        self, interaction: discord.Interaction, member: discord.User | None = None, kind: str | None = None
    ) -> None:
        assert interaction.guild is not None
        action = kind.strip()[:KIND_MAX] if kind and kind.strip() else None
        async with self.bot.database.session() as session:
            settings = await get_guild_settings(session, interaction.guild.id)
            entries, total = await audit_entries(
                session,
                interaction.guild.id,
                actor_id=member.id if member else None,
                action=action,
                limit=LISTED,
            )
        timezone = settings.timezone if settings else self.bot.settings.bot.default_timezone
        if not entries:
            await interaction.response.send_message(
                _("No moderator actions match. Try without a member or kind."), ephemeral=True
            )
            return
        heading = ngettext(
            "{shown} of {total} action, newest first, times in {timezone}:",
            "{shown} of {total} actions, newest first, times in {timezone}:",
            total,
        ).format(shown=len(entries), total=total, timezone=timezone)
        lines = [heading, *(describe_entry(entry, timezone) for entry in entries)]
        kept: list[str] = []
        used = 0
        for line in lines:
            if used + len(line) + 2 > MESSAGE_CONTENT:
                break
            kept.append(line)
            used += len(line) + 1
        await interaction.response.send_message(
            fit("\n".join(kept), MESSAGE_CONTENT),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @commands.Cog.listener()
    async def on_app_command_completion(
        self,
        interaction: discord.Interaction,
        command: app_commands.Command[Any, Any, Any] | app_commands.ContextMenu,
    ) -> None:
        """Every moderator command that changes something is in the log, whatever feature it belongs to.

        A settings command run without options only shows the settings, so it is left out."""
        if not isinstance(command, app_commands.Command) or interaction.guild_id is None:
            return
        name = command.qualified_name
        if not requires_moderator(command) or name in READ_ONLY or name in AUDITS_ITSELF:
            return
        options = {key: option_value(value) for key, value in interaction.namespace}
        if not options and name.endswith("settings"):
            return
        async with self.bot.database.session() as session:
            await record_audit(
                session,
                guild_id=interaction.guild_id,
                actor_id=interaction.user.id,
                action=command_action(name),
                at=self.bot.clock.now(),
                **options,
            )

    @audit.autocomplete("kind")
    async def kind_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.database.session() as session:
            used = await audit_actions_used(session, interaction.guild_id)
        wanted = current.strip().lower()[:KIND_MAX]
        choices = [
            app_commands.Choice(name=fit(f"{action_label(action)} ({action})", CHOICE_NAME), value=action)
            for action in used
            if wanted in action.lower() or wanted in action_label(action).lower()
        ]
        return choices[:25]


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Audit(bot))
