"""Libraries seeking a sister: /seeking post, list and withdraw, and a message to both posters
when two posts fit.

The feature's rules and services live in :mod:`bot.seeking`; this package parses commands,
renders outcomes, and installs the feature in the bot's registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.features import Feature, JobKind
from bot.seeking import jobs
from bot.seeking.service import SeekingService
from bot.seeking.stats import seeking_stats
from cogs.seeking._commands import Seeking
from cogs.seeking._jobs import FitJobs

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "seeking"


class SeekingEvents(commands.Cog):
    """A member who leaves the server can no longer be reached: their post comes down."""

    def __init__(self, service: SeekingService) -> None:
        self.service = service

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.service.member_left(payload.guild_id, payload.user.id)


def feature(bot: SisterBot) -> Feature:
    service = SeekingService(bot.database, bot.clock, bot.scheduler)
    handlers = FitJobs(bot, service, bot.delivery)
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.seeking.models",),
        member_data=service,
        services=(service,),
        jobs=(JobKind(jobs.FIT, handlers.fit, jobs.LABEL, jobs.MAX_LATENESS),),
        stats=seeking_stats(bot.database),
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    service = bot.features.service(SeekingService)
    await bot.add_cog(Seeking(service))
    await bot.add_cog(SeekingEvents(service))


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
