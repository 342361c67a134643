"""Announcements: moderators schedule messages; posts in announcement channels are published to
following servers through a durable queue that stays inside Discord's limit.

The rules and services live in :mod:`bot.announcements`; this package parses commands, renders
outcomes, runs the jobs and installs the feature in the bot's registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.announcements import publish
from bot.announcements.service import LABELS, POST, AnnouncementService
from bot.features import Feature, JobKind
from bot.i18n import N_
from cogs.announcements._commands import Announce
from cogs.announcements._form import submit_form
from cogs.announcements._jobs import AnnouncementJobs

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "announcements"
AUDIT_LABELS = {
    "announce.schedule": N_("announcement scheduled"),
    "announce.edit": N_("announcement edited"),
    "announce.cancel": N_("announcement cancelled"),
}


class AnnouncementEvents(commands.Cog):
    def __init__(self, service: AnnouncementService) -> None:
        self.service = service

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Announcement forms are answered here, not by a live Modal, so they work after a restart.
        await submit_form(self.service, interaction)


def feature(bot: SisterBot) -> Feature:
    service = AnnouncementService(bot.database, bot.clock, bot.scheduler)
    handlers = AnnouncementJobs(bot, service)
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.announcements.models",),
        member_data=service,
        services=(service,),
        jobs=(
            # Posted however late (a moderator set it; the list shows when it went out).
            JobKind(POST, handlers.post, LABELS[POST], None),
            # Each run re-plans itself when the hour is full: never dropped for lateness.
            JobKind(publish.PUBLISH, handlers.publish, publish.LABELS[publish.PUBLISH], None),
        ),
        audit_labels=AUDIT_LABELS,
        channels=service.channel_uses,
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    service = bot.features.service(AnnouncementService)
    await bot.add_cog(Announce(service))
    await bot.add_cog(AnnouncementEvents(service))


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
