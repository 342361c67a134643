"""Articles: members share links, find them again and keep a reading list.

The feature's rules and services live in :mod:`bot.articles`; this package parses commands and
buttons, renders outcomes, and installs the feature in the bot's registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.articles import feed_service, jobs
from bot.articles.channels import article_channels
from bot.articles.feed_service import FeedService
from bot.articles.service import ArticleService
from bot.articles.stats import article_stats
from bot.articles.tables import article_tables
from bot.features import Feature, JobKind
from cogs.articles._buttons import DYNAMIC_ITEMS
from cogs.articles._feeds import FeedJobs, Feeds
from cogs.articles._jobs import DigestJobs
from cogs.articles._member import Articles

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "articles"


def feature(bot: SisterBot) -> Feature:
    service = ArticleService(
        bot.database, bot.clock, scheduler=bot.scheduler, default_timezone=bot.settings.bot.default_timezone
    )
    handlers = DigestJobs(bot, service)
    feeds = FeedService(bot.database, bot.clock, scheduler=bot.scheduler)
    polls = FeedJobs(bot, feeds, service)
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.articles.models",),
        member_data=service,
        services=(service, feeds),
        jobs=(
            JobKind(jobs.DIGEST, handlers.digest, jobs.LABELS[jobs.DIGEST], jobs.MAX_LATENESS[jobs.DIGEST]),
            # Always run, however late: each poll schedules the next one.
            JobKind(feed_service.POLL, polls.poll, feed_service.LABELS[feed_service.POLL], None),
        ),
        dynamic_items=DYNAMIC_ITEMS,
        on_timezone_changed=service.timezone_changed,
        stats=article_stats(bot.database),
        export_tables=article_tables(bot.database),
        channels=article_channels(bot.database),
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    await bot.add_cog(Articles(bot.features.service(ArticleService), bot.tree))
    await bot.add_cog(Feeds(bot.features.service(FeedService)))


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
