"""Evaluation surveys: a short survey by DM each quarter (or as moderators set) to members who
signed up, with NPS, response rate and trend for moderators.

The rules and service live in :mod:`bot.surveys`; this package parses commands and buttons,
renders outcomes, and installs the feature in the bot's registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.features import Feature, job_kinds
from bot.surveys import jobs
from bot.surveys.service import PartnershipRef, SurveyService
from bot.surveys.stats import survey_stats
from bot.surveys.tables import survey_tables
from cogs.surveys._buttons import DYNAMIC_ITEMS
from cogs.surveys._comment import submit_comment
from cogs.surveys._jobs import SurveyJobs
from cogs.surveys._member import Survey
from cogs.surveys._moderator import SurveyAdmin

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "surveys"


class SurveyEvents(commands.Cog):
    """The comment form, answered here rather than by a live Modal so it works after a restart;
    a member who leaves the server is signed off its surveys."""

    def __init__(self, service: SurveyService) -> None:
        self.service = service

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.service.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await submit_comment(interaction)


def partnerships_from_features(bot: SisterBot) -> Any:
    """The partnership question is asked when an installed feature offers
    ``partnerships_of(guild_id, user_id)`` (a sequence of objects with ``id`` and ``name``), looked
    up at each invitation so the order features load in does not matter; otherwise nobody is asked."""

    async def lookup(guild_id: int, user_id: int) -> Sequence[PartnershipRef]:
        for feature in bot.features.features:
            for service in feature.services:
                find = getattr(service, "partnerships_of", None)
                if callable(find) and not isinstance(service, SurveyService):
                    found = await find(guild_id, user_id)
                    return [PartnershipRef(int(p.id), str(p.name)) for p in found]
        return []

    return lookup


def feature(bot: SisterBot) -> Feature:
    service = SurveyService(
        bot.database,
        bot.clock,
        bot.scheduler,
        default_timezone=bot.settings.bot.default_timezone,
        partnerships_of=partnerships_from_features(bot),
    )
    handlers = SurveyJobs(bot, service, bot.delivery)
    by_kind = {jobs.OPEN: handlers.open, jobs.INVITE: handlers.invite, jobs.CLOSE: handlers.close}
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.surveys.models",),
        member_data=service,
        services=(service,),
        jobs=job_kinds(by_kind, jobs.LABELS, jobs.MAX_LATENESS),
        dynamic_items=DYNAMIC_ITEMS,
        on_timezone_changed=service.timezone_changed,
        stats=survey_stats(bot.database),
        export_tables=survey_tables(bot.database),
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    service = bot.features.service(SurveyService)
    await bot.add_cog(Survey(service))
    await bot.add_cog(SurveyAdmin(service))
    await bot.add_cog(SurveyEvents(service))


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
