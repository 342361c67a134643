"""Check-ins: recurring "how is it going?" posts in the threads of other features' groups.

The mechanism lives in :mod:`bot.checkins`; features declare their subjects there. This package
posts check-ins, answers their buttons and the Done form, and offers /checkins and /checkin.
Load it before the features that use it (they register their subjects at setup).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.checkins import jobs
from bot.checkins.service import CheckinService
from bot.checkins.stats import checkin_stats
from bot.checkins.tables import checkin_tables
from bot.features import Feature, job_kinds
from cogs.checkins._buttons import DYNAMIC_ITEMS, submit_note
from cogs.checkins._commands import CheckinMember, CheckinsAdmin
from cogs.checkins._jobs import CheckinJobs

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "checkins"


class CheckinForms(commands.Cog):
    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # The Done form is answered here, not by a live Modal, so it works after a restart.
        await submit_note(interaction)


def feature(bot: SisterBot) -> Feature:
    service = CheckinService(
        bot.database,
        bot.clock,
        bot.scheduler,
        default_timezone=bot.settings.bot.default_timezone,
        default_locale=bot.settings.bot.default_locale,
    )
    handlers = CheckinJobs(service, bot.delivery)
    by_kind = {jobs.POST: handlers.post, jobs.REPOST: handlers.repost}
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.checkins.models",),
        member_data=service,
        services=(service,),
        jobs=job_kinds(by_kind, jobs.LABELS, jobs.MAX_LATENESS),
        dynamic_items=DYNAMIC_ITEMS,
        on_timezone_changed=service.timezone_changed,
        stats=checkin_stats(bot.database),
        export_tables=checkin_tables(bot.database),
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    service = bot.features.service(CheckinService)
    await bot.add_cog(CheckinsAdmin(service))
    await bot.add_cog(CheckinMember(service))
    await bot.add_cog(CheckinForms())


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
