"""The buttons on a delivered reminder, and "Remind me too" on a shared one.

Persistent: each carries the reminder in its custom_id, so it works after a restart, and the
service checks at press time who may press it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot import text
from bot.i18n import _, current_locale
from bot.reminders.service import Outcome, ReminderService, Snooze
from bot.timefmt import both
from bot.ui import LocalizedItem
from cogs.reminders._render import outcome_text

if TYPE_CHECKING:
    from bot.client import BotCore


def _service(interaction: discord.Interaction) -> ReminderService:
    client: BotCore = interaction.client  # type: ignore[assignment]
    return client.features.service(ReminderService)


THREAD_TYPES = frozenset(
    {discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread}
)


def member_can_post(interaction: discord.Interaction) -> bool:
    """Whether the member who pressed or typed may send messages in this channel themselves."""
    permissions = interaction.permissions
    if getattr(interaction.channel, "type", None) in THREAD_TYPES:  # a Thread, or one not cached
        return permissions.send_messages_in_threads
    return permissions.send_messages


def _snooze_label(option: Snooze) -> str:
    labels = {
        Snooze.MINUTES_10: _("Snooze 10 min"),
        Snooze.HOUR: _("Snooze 1 hour"),
        Snooze.TOMORROW: _("Tomorrow"),
    }
    return labels[option]


def delivered_view(reminder_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for option in Snooze:
        view.add_item(SnoozeButton(reminder_id, option))
    view.add_item(DoneButton(reminder_id))
    view.add_item(RemindMeTooButton(reminder_id))
    return view


def shared_view(reminder_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RemindMeTooButton(reminder_id))
    return view


class SnoozeButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"remind:snooze:(?P<id>\d+):(?P<option>10m|1h|tomorrow)",
):
    def __init__(self, reminder_id: int, option: Snooze) -> None:
        self.reminder_id, self.option = reminder_id, option
        super().__init__(
            discord.ui.Button(
                label=text.fit(_snooze_label(option), text.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"remind:snooze:{reminder_id}:{option.value}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> SnoozeButton:
        return cls(int(match["id"]), Snooze(match["option"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        changed = await _service(interaction).snooze(self.reminder_id, interaction.user.id, self.option)
        if changed.outcome == Outcome.ALREADY_SNOOZED and changed.reminder and changed.next_at:
            message = _(
                "Already snoozed: I will remind you again on {when}. Snooze again from that reminder."
            ).format(when=both(changed.next_at, changed.reminder.timezone))
        elif changed.outcome != Outcome.SAVED or changed.reminder is None or changed.next_at is None:
            message = outcome_text(changed.outcome)
        else:
            message = _("Snoozed: I will remind you again on {when}.").format(
                when=both(changed.next_at, changed.reminder.timezone)
            )
        await interaction.response.send_message(message, ephemeral=True)


class DoneButton(
    LocalizedItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"remind:done:(?P<id>\d+)"
):
    def __init__(self, reminder_id: int) -> None:
        self.reminder_id = reminder_id
        super().__init__(
            discord.ui.Button(
                label=text.fit(_("Done"), text.BUTTON_LABEL),
                style=discord.ButtonStyle.success,
                custom_id=f"remind:done:{reminder_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> DoneButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        changed = await _service(interaction).done(self.reminder_id, interaction.user.id)
        if changed.outcome != Outcome.SAVED or changed.reminder is None:
            message = outcome_text(changed.outcome)
        elif changed.next_at is not None:
            message = _("Done. This reminder repeats: next on {when}.").format(
                when=both(changed.next_at, changed.reminder.timezone)
            )
        else:
            message = _("Done. This reminder is finished.")
        await interaction.response.send_message(message, ephemeral=True)


class RemindMeTooButton(
    LocalizedItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"remind:too:(?P<id>\d+)"
):
    def __init__(self, reminder_id: int) -> None:
        self.reminder_id = reminder_id
        super().__init__(
            discord.ui.Button(
                label=text.fit(_("Remind me too"), text.BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=f"remind:too:{reminder_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> RemindMeTooButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        channel_id = interaction.channel_id if member_can_post(interaction) else None
        changed = await _service(interaction).copy(
            self.reminder_id, interaction.user.id, channel_id, current_locale()
        )
        if changed.outcome != Outcome.SAVED or changed.reminder is None or changed.next_at is None:
            message = outcome_text(changed.outcome)
        else:
            message = _("Added to your reminders: I will remind you on {when} too.").format(
                when=both(changed.next_at, changed.reminder.timezone)
            )
        await interaction.response.send_message(message, ephemeral=True)


DYNAMIC_ITEMS = (SnoozeButton, DoneButton, RemindMeTooButton)
