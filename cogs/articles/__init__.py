"""Articles: members share links, find them again and keep a reading list.

The feature's rules and services live in :mod:`bot.articles`; this package parses commands and
buttons, renders outcomes, and installs the feature in the bot's registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.articles.service import ArticleService
from bot.features import Feature
from cogs.articles._buttons import DYNAMIC_ITEMS
from cogs.articles._member import Articles

if TYPE_CHECKING:
    from bot.client import SisterBot

FEATURE_NAME = "articles"


def feature(bot: SisterBot) -> Feature:
    service = ArticleService(bot.database, bot.clock)
    return Feature(
        name=FEATURE_NAME,
        extension=__name__,
        tables=("bot.articles.models",),
        member_data=service,
        services=(service,),
        dynamic_items=DYNAMIC_ITEMS,
    )


async def setup(bot: SisterBot) -> None:
    bot.features.install(feature(bot))
    await bot.add_cog(Articles(bot.features.service(ArticleService), bot.tree))


async def teardown(bot: SisterBot) -> None:
    bot.features.uninstall(FEATURE_NAME)
