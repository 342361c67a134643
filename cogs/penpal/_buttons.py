"""Persistent buttons: they carry their meaning in the custom_id, so they work after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot import text
from bot.i18n import _
from bot.penpal.models import CheckIn
from bot.penpal.rules import RATING_COMMENT_MAX, rating_form_id
from bot.penpal.service import Answer, PenpalService
from bot.ui import LocalizedItem, LocalizedModal
from cogs.penpal._render import answer_text

if TYPE_CHECKING:
    from bot.client import BotCore


def _service(interaction: discord.Interaction) -> PenpalService:
    client: BotCore = interaction.client  # type: ignore[assignment]
    return client.features.service(PenpalService)


class SkipRoundButton(
    LocalizedItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"penpal:skip:(?P<round_id>\d+)"
):
    def __init__(self, round_id: int, label: str | None = None) -> None:
        self.round_id = round_id
        super().__init__(
            discord.ui.Button(
                label=text.fit(label or _("Skip this round"), text.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"penpal:skip:{round_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> SkipRoundButton:
        return cls(int(match["round_id"]), item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        answer = await _service(interaction).skip_round(self.round_id, interaction.user.id)
        message = (
            _("Done: you sit this round out and are back in the next one.")
            if answer == Answer.SAVED
            else answer_text(answer)
        )
        await interaction.response.send_message(message, ephemeral=True)


class CheckInButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"penpal:ci:(?P<group_id>\d+):(?P<answer>yes|not_yet|could_not)",
):
    """The "have you connected?" buttons of check-ins posted before check-ins became one mechanism
    (:mod:`cogs.checkins`): kept so those messages still answer."""

    def __init__(self, group_id: int, answer: str, label: str) -> None:
        self.group_id, self.answer = group_id, answer
        style = discord.ButtonStyle.success if answer == CheckIn.YES else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=text.fit(label, text.BUTTON_LABEL),
                style=style,
                custom_id=f"penpal:ci:{group_id}:{answer}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> CheckInButton:
        return cls(int(match["group_id"]), match["answer"], item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        answer = await _service(interaction).record_checkin(self.group_id, interaction.user.id, self.answer)
        if answer != Answer.SAVED:
            message = answer_text(answer)
        elif self.answer == CheckIn.YES:
            message = _("Wonderful, thank you for telling me!")
        elif self.answer == CheckIn.NOT_YET:
            message = _("Thanks. There is still time: a short hello in this thread is a fine start.")
        else:
            message = _("Thanks for telling me. You will have a new partner in the next round.")
        await interaction.response.send_message(message, ephemeral=True)


def rating_buttons(group_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for stars in range(1, 6):
        view.add_item(RatingButton(group_id, stars))
    return view


class RatingButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"penpal:rate:(?P<group_id>\d+):(?P<stars>[1-5])",
):
    def __init__(self, group_id: int, stars: int) -> None:
        self.group_id, self.stars = group_id, stars
        super().__init__(
            discord.ui.Button(
                label=str(stars),
                style=discord.ButtonStyle.primary,
                custom_id=f"penpal:rate:{group_id}:{stars}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> RatingButton:
        return cls(int(match["group_id"]), int(match["stars"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        answer = await _service(interaction).may_rate(self.group_id, interaction.user.id)
        if answer != Answer.SAVED:
            await interaction.response.send_message(answer_text(answer), ephemeral=True)
            return
        await interaction.response.send_modal(RatingModal(self.group_id, self.stars))


class RatingModal(LocalizedModal):
    def __init__(self, group_id: int, stars: int) -> None:
        super().__init__(
            title=_("Your rating: {stars} of 5").format(stars=stars),
            custom_id=rating_form_id(group_id, stars),
            timeout=900,
        )
        self.group_id, self.stars = group_id, stars
        self.comment: discord.ui.TextInput[RatingModal] = discord.ui.TextInput(
            label=_("Comment (optional, only moderators see it)"),
            custom_id="comment",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=RATING_COMMENT_MAX,
        )
        self.add_item(self.comment)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        # Answered by cogs.penpal._modal.submit_form from the custom id alone, so the form also
        # works after a restart; answering here too would answer twice.
        return None


DYNAMIC_ITEMS = (SkipRoundButton, CheckInButton, RatingButton)
