"""The form /announce schedule opens when no text is given, for announcements of several lines.

The form keeps nothing in memory: its custom_id carries the channel, the instant and the time
zone, and the cog's listener answers every submission (so a form opened before a restart is saved
just the same). Moderator-ness, the channel's permissions and the time are checked again on submit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands

from bot.announcements.service import TEXT_LIMIT, AnnouncementService
from bot.checks import is_moderator
from bot.errors import UserFacingError, handle_interaction_error
from bot.i18n import _, set_locale
from bot.text import MODAL_TITLE, TEXT_INPUT_LABEL, fit
from bot.ui import LocalizedModal
from cogs.announcements._render import SCHEDULED, check_channel, confirmation

FORM_PREFIX = "announce:text"
TEXT_FIELD = "text"
FORM_TIMEOUT_S = 900.0


def form_id(channel_id: int, at: datetime, timezone: str) -> str:
    return f"{FORM_PREFIX}:{channel_id}:{int(at.timestamp())}:{timezone}"[:100]


def read_form_id(custom_id: str) -> tuple[int, datetime, str] | None:
    try:
        channel, epoch, timezone = custom_id.removeprefix(FORM_PREFIX + ":").split(":", 2)
        return int(channel), datetime.fromtimestamp(int(epoch), UTC), timezone
    except ValueError:
        return None


class AnnouncementForm(LocalizedModal):
    def __init__(self, channel_id: int, at: datetime, timezone: str) -> None:
        super().__init__(
            title=fit(_("Announcement"), MODAL_TITLE),
            custom_id=form_id(channel_id, at, timezone),
            timeout=FORM_TIMEOUT_S,
        )
        self.add_item(
            discord.ui.TextInput(
                label=fit(_("What to post"), TEXT_INPUT_LABEL),
                custom_id=TEXT_FIELD,
                style=discord.TextStyle.paragraph,
                max_length=TEXT_LIMIT,
            )
        )

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        # Answered by submit_form for every submission, live form or not.
        return None


def _values(components: list[dict[str, Any]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for component in components:
        if "components" in component:
            values |= _values(component["components"])
        elif "component" in component:
            values |= _values([component["component"]])
        elif "custom_id" in component:
            values[str(component["custom_id"])] = str(component.get("value") or "")
    return values


async def submit_form(service: AnnouncementService, interaction: discord.Interaction) -> bool:
    """Answer a submitted announcement form; False when the interaction is not one."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if not custom_id.startswith(FORM_PREFIX + ":"):
        return False
    set_locale(str(interaction.locale))
    try:
        await _save(service, interaction, custom_id, _values(list(data.get("components") or [])))
    except Exception as error:  # one handler for every interaction, as for commands
        await handle_interaction_error(interaction, error, f"modal {FORM_PREFIX}")
    return True


async def _save(
    service: AnnouncementService, interaction: discord.Interaction, custom_id: str, values: dict[str, str]
) -> None:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage
    if not await is_moderator(interaction):
        raise app_commands.MissingPermissions(["manage_guild"])
    read = read_form_id(custom_id)
    if read is None:
        raise UserFacingError(_("This form is out of date. Nothing was saved; run the command again."))
    channel_id, at, timezone = read
    channel = interaction.guild.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel):
        raise UserFacingError(_("Pick a text or announcement channel of this server. Nothing was changed."))
    check_channel(channel)
    outcome = await service.schedule_at(
        interaction.guild.id, channel.id, interaction.user.id, at, timezone, values.get(TEXT_FIELD, "")
    )
    await interaction.response.send_message(confirmation(outcome, SCHEDULED, channel), ephemeral=True)
