"""The profile form /penpal join and /penpal profile edit open.

The form keeps nothing in memory: its custom_id carries the options given with the command
(:func:`bot.penpal.rules.form_id`), and every submission is answered by
:func:`submit_profile_form`, which the cog calls for each interaction. So a form opened before a
restart, or another member's form with the same options, is saved just the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import handle_interaction_error
from bot.i18n import _, normalise_locale, set_locale
from bot.penpal import rules
from bot.ui import LocalizedModal
from cogs.penpal._input import ProfileChoices, check_profile_text, check_rating_comment
from cogs.penpal._render import missing_fields, still_incomplete, still_paused

if TYPE_CHECKING:
    from bot.penpal.models import PenpalProfile
    from cogs.penpal._replies import FormReplies as PenpalService

# Field custom ids: also what the sandbox and scripts name the fields by.
DISPLAY_NAME, LIBRARY, ABOUT, INTERESTS = "display_name", "library", "about_you", "interests"
RATING_COMMENT = "comment"
# How long discord.py keeps an open form in memory: nothing depends on it, it only bounds memory.
FORM_TIMEOUT_S = 900.0


class ProfileModal(LocalizedModal):
    def __init__(
        self, service: PenpalService, choices: ProfileChoices, existing: PenpalProfile | None
    ) -> None:
        super().__init__(
            title=_("Your pen-pal profile"), custom_id=rules.form_id(choices), timeout=FORM_TIMEOUT_S
        )
        self.service = service
        self.display_name: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("Display name"),
            custom_id=DISPLAY_NAME,
            max_length=rules.DISPLAY_NAME_MAX,
            default=existing.display_name if existing else None,
        )
        self.library: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("Library and city"),
            custom_id=LIBRARY,
            max_length=rules.LIBRARY_MAX,
            placeholder=_("e.g. Shanghai Library, Shanghai"),
            default=existing.library if existing else None,
        )
        self.about: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("About you (shown to your partners)"),
            custom_id=ABOUT,
            style=discord.TextStyle.paragraph,
            max_length=rules.ABOUT_MAX,
            required=False,
            default=existing.intro if existing else None,
        )
        self.interests: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("Interests, separated by commas"),
            custom_id=INTERESTS,
            max_length=rules.INTERESTS_MAX,
            required=False,
            placeholder=_("e.g. children's books, digitisation, makerspaces"),
            default=", ".join(existing.interests) if existing else None,
        )
        for item in (self.display_name, self.library, self.about, self.interests):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        # Answered by submit_profile_form for every submission, live form or not: answering here
        # too would answer twice.
        return None


def _fields(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        if isinstance(component.get("component"), dict):  # a label wrapping one input
            yield component["component"]
        yield from _fields(component.get("components") or [])
        if "custom_id" in component and "value" in component:
            yield component


def submitted_values(data: dict[str, Any]) -> dict[str, str]:
    return {
        str(field["custom_id"]): str(field.get("value") or "")
        for field in _fields(data.get("components") or [])
    }


async def submit_form(service: PenpalService, interaction: discord.Interaction) -> bool:
    """Answer a submitted pen-pal form (profile or rating); False when the interaction is not one."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if rules.is_form_id(custom_id):
        save, where = _save, rules.FORM_PREFIX
    elif custom_id.startswith(rules.RATING_PREFIX + ":"):
        save, where = _save_rating, rules.RATING_PREFIX
    else:
        return False
    set_locale(str(interaction.locale))
    try:
        await save(service, interaction, custom_id, submitted_values(data))
    except Exception as error:  # one handler for every interaction, as for commands
        await handle_interaction_error(interaction, error, f"modal {where}")
    return True


async def _save_rating(
    service: PenpalService, interaction: discord.Interaction, custom_id: str, values: dict[str, str]
) -> None:
    rating = rules.read_rating_form_id(custom_id)
    if rating is None:
        await interaction.response.send_message(
            _("This form is out of date. Nothing was saved; run the command again."), ephemeral=True
        )
        return
    group_id, stars = rating
    comment = check_rating_comment(values.get(RATING_COMMENT, ""))
    message = await service.record_rating(group_id, interaction.user.id, stars, comment)
    await interaction.response.send_message(message, ephemeral=True)


async def _save(
    service: PenpalService, interaction: discord.Interaction, custom_id: str, values: dict[str, str]
) -> None:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage
    choices = rules.read_form_id(custom_id)
    if choices is None:
        await interaction.response.send_message(
            _("This form is out of date. Nothing was saved; run the command again."), ephemeral=True
        )
        return
    text = check_profile_text(
        values.get(DISPLAY_NAME, ""),
        values.get(LIBRARY, ""),
        values.get(ABOUT, ""),
        values.get(INTERESTS, ""),
    )
    profile = await service.save(
        interaction.guild.id,
        interaction.user.id,
        normalise_locale(str(interaction.locale)),
        choices,
        display_name=text.display_name,
        library=text.library,
        intro=text.intro,
        interests=text.interests,
    )
    missing = missing_fields(profile)
    if missing:
        message = still_incomplete(missing)
    elif profile.status == "paused":
        message = still_paused()
    else:
        next_round = await service.next_round_text(interaction.guild.id, profile.timezone or "UTC")
        message = _(
            "Welcome to the pen-pal programme! You will be paired in the next round. {next_round}"
        ).format(next_round=next_round)
    await interaction.response.send_message(message, ephemeral=True)
