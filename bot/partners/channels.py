"""The channel partnerships are announced in, for /setup and /config show to check."""

from __future__ import annotations

from bot.channels import ChannelUse, ChannelUses
from bot.db import Database
from bot.i18n import N_
from bot.partners import repository as repo

# Announcements and news carry an embed and their photo as a file; each announcement opens the
# public thread its check-ins are posted in.
NEEDS = ("view_channel", "send_messages", "embed_links", "attach_files", "create_public_threads")


def partnership_channels(database: Database) -> ChannelUses:
    async def channels(guild_id: int) -> list[ChannelUse]:
        async with database.session() as session:
            settings = await repo.get_settings(session, guild_id)
        channel_id = settings.announce_channel_id if settings else None
        return [
            ChannelUse(
                N_("Partnership announcements"),
                channel_id,
                NEEDS,
                "partner-admin settings",
                kinds=("text", "announcement"),
            )
        ]

    return channels
