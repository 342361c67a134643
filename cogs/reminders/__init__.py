"""Personal reminders and the member's time zone.

The rules and the service live in :mod:`bot.reminders` and :mod:`bot.members`; this package
parses commands and buttons, renders outcomes, delivers due reminders, and installs the feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.features import Feature, JobKind
from bot.reminders import jobs
from bot.reminders.service import ReminderService
from cogs.reminders._buttons import DYNAMIC_ITEMS
from cogs.reminders._commands import Remind, TimeZone
from cogs.reminders._jobs import ReminderJobs

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "reminders"


class ReminderEvents(commands.Cog):
    """A member who leaves a server is not reminded there any more."""

    def __init__(self, service: ReminderService) -> None:
        self.service = service

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.service.member_left(payload.guild_id, payload.user.id)


def feature(bot: SisterBot) -> Feature:
    service = ReminderService(
        bot.database, bot.clock, bot.scheduler, default_timezone=bot.settings.bot.default_timezone
    )
    handlers = ReminderJobs(service, bot.delivery)
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.reminders.models", "bot.members.models"),
        member_data=service,
        services=(service,),
        jobs=(JobKind(jobs.DUE, handlers.due, jobs.LABELS[jobs.DUE], jobs.MAX_LATENESS[jobs.DUE]),),
        dynamic_items=DYNAMIC_ITEMS,
        pausable=False,  # a member's own reminders, not a programme moderators run
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    service = bot.features.service(ReminderService)
    await bot.add_cog(Remind(service))
    await bot.add_cog(TimeZone(service))
    await bot.add_cog(ReminderEvents(service))


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
