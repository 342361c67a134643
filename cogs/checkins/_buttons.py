"""The check-in buttons and the Done note form. Each carries the check-in id in its custom_id,
so it works after a restart; who may answer is asked when the button is pressed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot import text
from bot.checkins import rules
from bot.checkins.models import AnswerKind
from bot.checkins.service import CheckinService, Outcome
from bot.errors import handle_interaction_error
from bot.i18n import _, set_locale, using_locale
from bot.ui import LocalizedItem, LocalizedModal
from cogs.checkins._render import help_alert, refusal, snoozed

if TYPE_CHECKING:
    from bot.client import BotCore

NOTE_FIELD = "note"
ORDER = (AnswerKind.DONE, AnswerKind.SNOOZE_DAY, AnswerKind.SNOOZE_WEEK, AnswerKind.HELP)


def _label(answer: AnswerKind) -> str:
    return {
        AnswerKind.DONE: _("Done"),
        AnswerKind.SNOOZE_DAY: _("Snooze 1 day"),
        AnswerKind.SNOOZE_WEEK: _("Snooze 1 week"),
        AnswerKind.HELP: _("Need help"),
    }[answer]


def _client(interaction: discord.Interaction) -> BotCore:
    return interaction.client  # type: ignore[return-value]


def checkin_buttons(checkin_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for answer in ORDER:
        view.add_item(CheckinButton(checkin_id, answer))
    return view


class CheckinButton(
    LocalizedItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=rules.BUTTON_TEMPLATE
):
    def __init__(self, checkin_id: int, answer: AnswerKind, label: str | None = None) -> None:
        self.checkin_id, self.answer = checkin_id, answer
        style = {
            AnswerKind.DONE: discord.ButtonStyle.success,
            AnswerKind.HELP: discord.ButtonStyle.danger,
        }.get(answer, discord.ButtonStyle.secondary)
        super().__init__(
            discord.ui.Button(
                label=text.fit(label or _label(answer), text.BUTTON_LABEL),
                style=style,
                custom_id=rules.button_id(checkin_id, answer),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> CheckinButton:
        return cls(int(match["checkin"]), rules.ACTIONS[match["action"]], item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        client = _client(interaction)
        service = client.features.service(CheckinService)
        user_id = interaction.user.id
        if self.answer == AnswerKind.DONE:
            outcome = await service.may_answer(self.checkin_id, user_id)
            if outcome != Outcome.SAVED:
                await interaction.response.send_message(refusal(outcome), ephemeral=True)
                return
            await interaction.response.send_modal(NoteModal(self.checkin_id))
            return
        answered = await service.answer(self.checkin_id, user_id, self.answer)
        if answered.outcome != Outcome.SAVED:
            await interaction.response.send_message(refusal(answered.outcome), ephemeral=True)
            return
        if answered.again_at is not None:
            await interaction.response.send_message(snoozed(answered.again_at), ephemeral=True)
            return
        told = False
        if answered.help is not None:
            alert = answered.help
            with using_locale(alert.locale):
                message = help_alert(user_id, alert)
            told = (await client.delivery.alert_moderators(alert.guild_id, message)).reached
            if not told:
                await service.help_not_delivered(self.checkin_id)
        await interaction.response.send_message(
            _("I told the moderators; someone will look in soon.")
            if told
            else _(
                "I could not reach the moderators (no moderator channel is set). Please ask one directly."
            ),
            ephemeral=True,
        )


class NoteModal(LocalizedModal):
    def __init__(self, checkin_id: int) -> None:
        super().__init__(
            title=text.fit(_("Check-in done"), text.MODAL_TITLE),
            custom_id=rules.note_form_id(checkin_id),
            timeout=900,
        )
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            label=text.fit(_("A note for your group (optional)"), text.TEXT_INPUT_LABEL),
            custom_id=NOTE_FIELD,
            style=discord.TextStyle.short,
            required=False,
            max_length=rules.NOTE_MAX,
        )
        self.add_item(self.note)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        # Answered by submit_note from the custom id alone, so the form also works after a
        # restart; answering here too would answer twice.
        return None


def _values(components: list[dict[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for component in components:
        inner = component.get("component")
        if isinstance(inner, dict) and "custom_id" in inner:
            found[str(inner["custom_id"])] = str(inner.get("value") or "")
        if "custom_id" in component and "value" in component:
            found[str(component["custom_id"])] = str(component.get("value") or "")
        found.update(_values(component.get("components") or []))
    return found


async def submit_note(interaction: discord.Interaction) -> bool:
    """Answer a submitted Done form; False when the interaction is not one."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: dict[str, Any] = dict(interaction.data or {})
    checkin_id = rules.read_note_form_id(str(data.get("custom_id", "")))
    if checkin_id is None:
        return False
    set_locale(str(interaction.locale))
    try:
        note = rules.check_note(_values(data.get("components") or []).get(NOTE_FIELD, ""))
        service = _client(interaction).features.service(CheckinService)
        answered = await service.answer(checkin_id, interaction.user.id, AnswerKind.DONE, note)
        if answered.outcome != Outcome.SAVED:
            message = refusal(answered.outcome)
        elif note:
            message = _("Done, with your note. Thank you!")
        else:
            message = _("Done. Thank you!")
        await interaction.response.send_message(message, ephemeral=True)
    except Exception as error:  # one handler for every interaction, as for commands
        await handle_interaction_error(interaction, error, "modal checkin note")
    return True


DYNAMIC_ITEMS = (CheckinButton,)
