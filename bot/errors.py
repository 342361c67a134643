"""One error handler for every application command.

Expected problems (bad input, missing permission) become a clear ephemeral message and change
nothing. Anything else gets a short error id: the member sees the id, the log gets the traceback
under the same id, so a moderator's report can be matched to it.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.i18n import _, join_list, remember_command_ids, set_locale, using_locale
from bot.inputs import InputError
from bot.text import quote

log = logging.getLogger("bot.errors")


class UserFacingError(Exception):
    """Raised with a message already translated for the member; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_error_id() -> str:
    return secrets.token_hex(3).upper()


def describe_expected_error(error: Exception) -> str | None:
    """The member-facing message for a problem that is theirs to fix, or None for a bug of ours."""
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, InputError):
        return error.render()
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(
        error.original, UserFacingError | InputError
    ):
        return describe_expected_error(error.original)
    if isinstance(error, app_commands.NoPrivateMessage):
        return _("This command only works in a server, not in direct messages.")
    if isinstance(
        error, app_commands.MissingPermissions | app_commands.MissingAnyRole | app_commands.MissingRole
    ):
        return _("Only moderators can use this command.")
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = join_list(error.missing_permissions)
        return _("I am missing these permissions here: {permissions}. Ask a moderator to grant them.").format(
            permissions=missing
        )
    if isinstance(error, app_commands.CommandOnCooldown):
        return _("Slow down a little: try again in {seconds} seconds.").format(
            seconds=round(error.retry_after)
        )
    if isinstance(error, app_commands.TransformerError):
        return _("“{value}” is not a valid value here.").format(value=quote(str(error.value)))
    if isinstance(error, app_commands.CheckFailure):
        return _("You cannot use this command here.")
    return None


async def reply_ephemeral(interaction: discord.Interaction, content: str) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the member about an error in interaction %s", interaction.id)


async def handle_interaction_error(interaction: discord.Interaction, error: Exception, where: str) -> None:
    with using_locale(str(interaction.locale)):
        message = describe_expected_error(error)
        if message is None:
            error_id = new_error_id()
            original = getattr(error, "original", error)
            log.error("error %s in %s", error_id, where, exc_info=original)
            message = _(
                "Something went wrong on my side (error {error_id}). A moderator can look it up."
            ).format(error_id=error_id)
        await reply_ephemeral(interaction, message)


class ErrorHandlingTree(app_commands.CommandTree):
    """The command tree: sets each member's language, handles every error in one place, and
    remembers the commands' ids so replies can mention them (``bot.i18n.command_mention``)."""

    def __init__(self, client: discord.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(client, *args, **kwargs)
        remember_command_ids({})  # a new bot: ids from another application no longer apply

    async def sync(self, *, guild: discord.abc.Snowflake | None = None) -> list[app_commands.AppCommand]:
        synced = await super().sync(guild=guild)
        if guild is None:
            remember_command_ids({command.name: command.id for command in synced})
        return synced

    async def load_command_ids(self) -> None:
        """Learn the ids of the commands Discord holds for the bot, once at start."""
        try:
            fetched = await self.fetch_commands()
        except discord.HTTPException:
            log.warning("could not fetch the command ids: commands are named in plain text")
            return
        remember_command_ids({command.name: command.id for command in fetched})

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        set_locale(str(interaction.locale))
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        command = interaction.command
        where = f"/{command.qualified_name}" if command is not None else "an interaction"
        await handle_interaction_error(interaction, error, where)
