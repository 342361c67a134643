"""Pen pals: profiles, cross-border rounds, intro threads and "did you connect?".

The feature's rules and services live in :mod:`bot.penpal`; this package parses commands and
buttons, renders outcomes, and installs the feature in the bot's registry.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.checkins.service import CheckinService
from bot.features import Feature, job_kinds
from bot.i18n import _, using_locale
from bot.pairing.matching import shutdown_worker_pool
from bot.penpal import checkins, jobs
from bot.penpal.channels import penpal_channels
from bot.penpal.rounds import RoundService
from bot.penpal.service import PenpalService
from bot.penpal.stats import penpal_stats
from bot.penpal.steps import RoundSteps
from bot.penpal.tables import penpal_tables
from cogs.penpal._buttons import DYNAMIC_ITEMS
from cogs.penpal._jobs import RoundJobs
from cogs.penpal._member import Penpal
from cogs.penpal._modal import submit_form
from cogs.penpal._moderator import PenpalRounds
from cogs.penpal._replies import FormReplies

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "penpal"


class PenpalEvents(commands.Cog):
    """Gateway events pen pals answers: its forms, and members leaving the server."""

    def __init__(self, bot: SisterBot, service: PenpalService, checkins: CheckinService) -> None:
        self.bot = bot
        self.service = service
        self.checkins = checkins
        self.forms = FormReplies(service)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Pen-pal forms are answered here, not by a live Modal, so they work after a restart.
        await submit_form(self.forms, interaction)  # type: ignore[arg-type]

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        changed = await self.service.member_left(payload.guild_id, payload.user.id)
        if not changed:
            return
        with using_locale(await self.bot.guild_locale(payload.guild_id)):
            for left in changed:
                if left.closed:
                    await self.checkins.end_subject(checkins.KIND, left.group.id)
                if left.group.thread_id is None:
                    continue
                text = (
                    _(
                        "{name} has left the server, so this pairing is closed. Thank you for writing; "
                        "you will have a new partner in the next round."
                    )
                    if left.closed
                    else _("{name} has left the server. The rest of you can carry on as a pair.")
                ).format(name=discord.utils.escape_markdown(payload.user.display_name))
                await self.bot.delivery.post(left.group.thread_id, text)


def feature(bot: SisterBot) -> Feature:
    default_timezone = bot.settings.bot.default_timezone
    service = PenpalService(bot.database, bot.clock, bot.scheduler, default_timezone=default_timezone)
    rounds = RoundService(
        bot.database,
        bot.clock,
        bot.scheduler,
        default_timezone=default_timezone,
        default_locale=bot.settings.bot.default_locale,
    )
    steps = RoundSteps(bot.database, bot.clock, default_locale=bot.settings.bot.default_locale)
    # Check-ins (cogs.checkins) are loaded first: pen-pal groups are their subjects.
    handlers = RoundJobs(bot, rounds, steps, service, bot.delivery, bot.features.service(CheckinService))
    by_kind = {
        jobs.NOTICE: handlers.notice,
        jobs.ROUND: handlers.round,
        jobs.INTRO: handlers.intro,
        jobs.UNMATCHED: handlers.unmatched,
        jobs.CHECKIN: handlers.checkin,
        jobs.CLOSE: handlers.close,
        jobs.RESUME: handlers.resume,
    }
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.penpal.models",),
        member_data=service,
        services=(service, rounds, steps),
        jobs=job_kinds(by_kind, jobs.LABELS, jobs.MAX_LATENESS),
        dynamic_items=DYNAMIC_ITEMS,
        on_timezone_changed=rounds.timezone_changed,
        stats=penpal_stats(bot.database),
        export_tables=penpal_tables(bot.database),
        channels=penpal_channels(bot.database),
    )


async def setup(bot: SisterBot) -> None:
    installed = feature(bot)
    bot.features.install(installed)
    service = bot.features.service(PenpalService)
    rounds = bot.features.service(RoundService)
    checkin_service = bot.features.service(CheckinService)
    checkin_service.register_provider(checkins.PenpalCheckins(bot.database, bot.clock, service))
    await bot.add_cog(Penpal(service, bot.clock))
    await bot.add_cog(PenpalRounds(rounds, bot.scheduler))
    await bot.add_cog(PenpalEvents(bot, service, checkin_service))


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
    with contextlib.suppress(LookupError):  # check-ins were unloaded first
        bot.features.service(CheckinService).unregister_provider(checkins.KIND)
    shutdown_worker_pool()
