"""The pen-pal service as the profile and rating forms use it: outcomes turned into replies."""

from __future__ import annotations

from typing import Any

from bot.i18n import _
from bot.penpal.models import PenpalProfile
from bot.penpal.rules import ProfileChoices
from bot.penpal.service import Answer, PenpalService
from bot.timefmt import both
from cogs.penpal._render import answer_text


class FormReplies:
    def __init__(self, service: PenpalService) -> None:
        self.service = service

    async def save(
        self, guild_id: int, user_id: int, locale: str, choices: ProfileChoices, **text: Any
    ) -> PenpalProfile:
        return (await self.service.save(guild_id, user_id, locale, choices, **text)).profile

    async def next_round_text(self, guild_id: int, timezone: str) -> str:
        return await next_round_text(self.service, guild_id, timezone)

    async def record_rating(self, group_id: int, user_id: int, stars: int, comment: str | None) -> str:
        answer = await self.service.record_rating(group_id, user_id, stars, comment)
        if answer != Answer.SAVED:
            return answer_text(answer)
        return _("Thank you! Your rating is saved and only moderators can see it.")


async def next_round_text(service: PenpalService, guild_id: int, timezone: str) -> str:
    when = await service.next_round_at(guild_id)
    if when is None:
        return _("Moderators have not scheduled rounds yet.")
    return _("Next round: {when}.").format(when=both(when, timezone))
