"""Partnerships: propose, approve, announce, browse, share news, celebrate anniversaries.

The feature's rules and services live in :mod:`bot.partners`; this package parses commands,
forms and buttons, renders outcomes, and installs the feature in the bot's registry.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.checkins.service import CheckinService
from bot.features import Feature, job_kinds
from bot.i18n import N_
from bot.partners import jobs
from bot.partners.channels import partnership_channels
from bot.partners.checkins import KIND as CHECKIN_KIND
from bot.partners.checkins import PartnershipCheckins
from bot.partners.posts import PartnerPosts
from bot.partners.service import PartnerService
from bot.partners.stats import partnership_stats
from bot.partners.tables import partnership_tables
from cogs.partners._admin import PartnerAdmin
from cogs.partners._buttons import DYNAMIC_ITEMS
from cogs.partners._jobs import PartnerJobs
from cogs.partners._member import Partner
from cogs.partners._modal import submit_form

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "partners"
# Every action the partnerships record in the audit log, named for /audit.
AUDIT_LABELS = {
    "partners.approve": N_("partnership approved"),
    "partners.reject": N_("partnership proposal rejected"),
    "partners.ask_changes": N_("changes asked to a partnership proposal"),
    "partners.end": N_("partnership ended"),
}


class PartnerEvents(commands.Cog):
    """Partnership forms are answered here, not by a live Modal, so they work after a restart."""

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await submit_form(interaction)


def feature(bot: SisterBot) -> Feature:
    default_timezone = bot.settings.bot.default_timezone
    service = PartnerService(bot.database, bot.clock, bot.scheduler, default_timezone=default_timezone)
    posts = PartnerPosts(bot.database, bot.clock, bot.scheduler, default_timezone=default_timezone)
    handlers = PartnerJobs(bot, posts, bot.delivery, bot.features.service(CheckinService))
    by_kind = {
        jobs.QUEUE: handlers.queue,
        jobs.TELL: handlers.tell,
        jobs.ANNOUNCE: handlers.announce,
        jobs.NEWS: handlers.news,
        jobs.ANNIVERSARY: handlers.anniversary,
        jobs.QUIET: handlers.quiet,
    }
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.partners.models",),
        member_data=service,
        services=(service, posts),
        jobs=job_kinds(by_kind, jobs.LABELS, jobs.MAX_LATENESS),
        dynamic_items=DYNAMIC_ITEMS,
        on_timezone_changed=service.timezone_changed,
        export_tables=partnership_tables(bot.database),
        stats=partnership_stats(bot.database),
        channels=partnership_channels(bot.database),
        audit_labels=AUDIT_LABELS,
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    service = bot.features.service(PartnerService)
    checkin_service = bot.features.service(CheckinService)
    checkin_service.register_provider(PartnershipCheckins(bot.database, service))
    await bot.add_cog(Partner(service, checkin_service))
    await bot.add_cog(PartnerAdmin(service))
    await bot.add_cog(PartnerEvents())


async def teardown(bot: SisterBot) -> None:
    with contextlib.suppress(LookupError):
        bot.features.service(CheckinService).unregister_provider(CHECKIN_KIND)
    bot.features.uninstall(FEATURE_NAME)
