"""The channel pen pals post in, for /setup and /config show to check."""

from __future__ import annotations

from bot.channels import ChannelUse, ChannelUses
from bot.db import Database
from bot.i18n import N_
from bot.penpal import repository as repo

NEEDS = ("view_channel", "send_messages", "create_private_threads", "send_messages_in_threads")


def penpal_channels(database: Database) -> ChannelUses:
    async def channels(guild_id: int) -> list[ChannelUse]:
        async with database.session() as session:
            settings = await repo.get_settings(session, guild_id)
        channel_id = settings.channel_id if settings else None
        return [ChannelUse(N_("Pen-pal threads"), channel_id, NEEDS, "penpal-rounds settings")]

    return channels
