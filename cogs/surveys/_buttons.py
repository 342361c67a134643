"""Persistent survey buttons and the comment form: each carries the survey (and the answer) in its
custom_id, so a survey DM sent before a restart is answered just the same after it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot import text
from bot.i18n import _
from bot.surveys import rules
from bot.surveys.service import Answer, PartnershipRef, SurveyService
from bot.ui import LocalizedItem, LocalizedModal
from cogs.surveys import _render

if TYPE_CHECKING:
    from bot.client import BotCore

COMMENT_FORM_PREFIX = "survey:cmt:"
COMMENT_FORM = re.compile(r"survey:cmt:(?P<survey_id>\d{1,19})")
COMMENT_FIELD = "comment"
SAVED = (Answer.SAVED, Answer.REPLACED)


def service_of(interaction: discord.Interaction) -> SurveyService:
    client: BotCore = interaction.client  # type: ignore[assignment]
    return client.features.service(SurveyService)


def score_view(survey_id: int) -> discord.ui.View:
    """0-10 in three rows (0-3, 4-7, 8-10)."""
    view = discord.ui.View(timeout=None)
    for score in range(rules.SCORE_MIN, rules.SCORE_MAX + 1):
        view.add_item(ScoreButton(survey_id, score))
    return view


def partnership_view(survey_id: int, partnership: PartnershipRef) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for stars in range(rules.STARS_MIN, rules.STARS_MAX + 1):
        view.add_item(PartnershipButton(survey_id, partnership.id, stars))
    return view


def comment_view(survey_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CommentButton(survey_id))
    return view


class ScoreButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"survey:nps:(?P<survey_id>\d{1,19}):(?P<score>10|[0-9])",
):
    def __init__(self, survey_id: int, score: int) -> None:
        self.survey_id, self.score = survey_id, score
        super().__init__(
            discord.ui.Button(
                label=str(score),
                style=discord.ButtonStyle.primary,
                custom_id=f"survey:nps:{survey_id}:{score}",
                row=score // 4,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ScoreButton:
        return cls(int(match["survey_id"]), int(match["score"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        answered = await service_of(interaction).answer_score(self.survey_id, interaction.user.id, self.score)
        if answered.outcome not in SAVED:
            await interaction.response.send_message(_render.refusal(answered), ephemeral=True)
            return
        await interaction.response.send_message(
            _render.score_saved(answered, self.score), view=comment_view(self.survey_id), ephemeral=True
        )


class PartnershipButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"survey:pt:(?P<survey_id>\d{1,19}):(?P<partnership_id>\d{1,19}):(?P<stars>[1-5])",
):
    def __init__(self, survey_id: int, partnership_id: int, stars: int) -> None:
        self.survey_id, self.partnership_id, self.stars = survey_id, partnership_id, stars
        super().__init__(
            discord.ui.Button(
                label=str(stars),
                style=discord.ButtonStyle.secondary,
                custom_id=f"survey:pt:{survey_id}:{partnership_id}:{stars}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> PartnershipButton:
        return cls(int(match["survey_id"]), int(match["partnership_id"]), int(match["stars"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        answered = await service_of(interaction).answer_partnership(
            self.survey_id, interaction.user.id, self.partnership_id, self.stars
        )
        message = (
            _render.stars_saved(answered, self.stars)
            if answered.outcome in SAVED
            else _render.refusal(answered)
        )
        await interaction.response.send_message(message, ephemeral=True)


class CommentButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"survey:note:(?P<survey_id>\d{1,19})",
):
    def __init__(self, survey_id: int) -> None:
        self.survey_id = survey_id
        super().__init__(
            discord.ui.Button(
                label=text.fit(_("Add a comment"), text.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"survey:note:{survey_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> CommentButton:
        return cls(int(match["survey_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        refused = await service_of(interaction).refusal(self.survey_id, interaction.user.id)
        if refused is not None:
            await interaction.response.send_message(_render.refusal(refused), ephemeral=True)
            return
        await interaction.response.send_modal(CommentModal(self.survey_id))


class CommentModal(LocalizedModal):
    """Answered by :func:`cogs.surveys._comment.submit_comment` from its custom_id alone, so a form
    open across a restart still saves."""

    def __init__(self, survey_id: int) -> None:
        super().__init__(
            title=text.fit(_("Your survey comment"), text.MODAL_TITLE),
            custom_id=f"{COMMENT_FORM_PREFIX}{survey_id}",
            timeout=900,
        )
        self.comment: discord.ui.TextInput[CommentModal] = discord.ui.TextInput(
            label=text.fit(_("Comment (optional)"), text.TEXT_INPUT_LABEL),
            placeholder=_("Moderators see comments without names."),
            custom_id=COMMENT_FIELD,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=rules.COMMENT_MAX,
        )
        self.add_item(self.comment)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        return None  # answered by submit_comment for every submission, live form or not


DYNAMIC_ITEMS = (ScoreButton, PartnershipButton, CommentButton)
