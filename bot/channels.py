"""The channels each feature uses and the permissions it needs there, without Discord.

A feature declares its :class:`ChannelUse` list; ``/setup`` and ``/config show`` check each
channel against the bot's permissions there and list exactly what is missing, by the names
moderators see in Discord's channel settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.i18n import N_

# Discord's permission flags by their names in channel settings (English source, translated).
PERMISSION_LABELS = {
    "view_channel": N_("View Channel"),
    "send_messages": N_("Send Messages"),
    "send_messages_in_threads": N_("Send Messages in Threads"),
    "create_public_threads": N_("Create Public Threads"),
    "create_private_threads": N_("Create Private Threads"),
    "embed_links": N_("Embed Links"),
    "attach_files": N_("Attach Files"),
    "read_message_history": N_("Read Message History"),
    "add_reactions": N_("Add Reactions"),
    "manage_messages": N_("Manage Messages"),
    "manage_threads": N_("Manage Threads"),
}


@dataclass(frozen=True)
class ChannelUse:
    purpose: str  # N_() phrase, e.g. "Pen-pal threads"
    channel_id: int | None  # None: not chosen yet
    needs: tuple[str, ...]  # keys of PERMISSION_LABELS
    set_with: str  # the command that chooses it, e.g. "penpal-rounds settings"
    kinds: tuple[str, ...] = ("text",)  # channel kinds that work: text, forum, announcement


ChannelUses = Callable[[int], Awaitable[Sequence[ChannelUse]]]
