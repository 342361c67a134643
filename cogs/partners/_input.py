"""The /partner options as commands read them: choices, autocomplete, and checked values (a broken
rule becomes the member's refusal, rendered by the one error handler)."""

from __future__ import annotations

import re

import discord
from discord import app_commands

from bot.checks import interaction_guild_settings
from bot.errors import UserFacingError
from bot.i18n import _, current_locale
from bot.partners import rules
from bot.partners.models import Kind, Partnership, Side
from bot.partners.service import Refused
from bot.reference import search_countries
from bot.translator import _T
from cogs.partners._render import command, refusal_text

KIND_CHOICES = [
    app_commands.Choice(name=_T("Formal agreement"), value=Kind.FORMAL.value),
    app_commands.Choice(name=_T("Informal partnership"), value=Kind.INFORMAL.value),
]
SIDE_CHOICES = [
    app_commands.Choice(name=_T("Our library"), value=Side.OURS.value),
    app_commands.Choice(name=_T("The partner library"), value=Side.THEIRS.value),
]
PARTNERSHIP_ID = re.compile(r"^#?(\d{1,18})\b")


async def country_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=f"{rules.flag(code)} {label}", value=code)
        for code, label in search_countries(current[: rules.QUERY_MAX], current_locale())
    ]


def guild_of(interaction: discord.Interaction) -> int:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild.id


def photo_of(attachment: discord.Attachment | None) -> str | None:
    if attachment is None:
        return None
    return rules.check_photo(
        attachment.url, attachment.content_type, attachment.size, attachment.filename
    ).url


def country_of(value: str | None) -> str | None:
    return rules.check_country(value, current_locale()) if value is not None else None


def check_member(member: discord.Member | None) -> int | None:
    if member is None:
        return None
    if member.bot:
        raise UserFacingError(_("Bots cannot be members of a partnership: pick a person."))
    return member.id


def result(outcome: Partnership | Refused) -> Partnership:
    if isinstance(outcome, Refused):
        raise UserFacingError(refusal_text(outcome))
    return outcome


def kind_of(value: str) -> Kind:
    return Kind(value) if value in set(Kind) else Kind.INFORMAL


async def require_queue(interaction: discord.Interaction) -> None:
    """Proposals wait in the moderator channel: without one, say so before the member types."""
    settings = await interaction_guild_settings(interaction)
    if settings is None or settings.mod_channel_id is None:
        raise UserFacingError(
            _(
                "Moderators have not chosen a moderator channel yet, so proposals cannot be reviewed. "
                "Ask them to run {command} first."
            ).format(command=command("setup"))
        )
