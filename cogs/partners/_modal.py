"""The partnership forms: the proposal (also used to edit one) and the moderators' notes.

No form keeps anything in memory: each custom_id names the partnership it is for, and every
submission is answered by :func:`submit_form`, which the cog calls for each interaction. So a
form opened before a restart is saved just the same.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import text
from bot.checks import is_moderator
from bot.errors import handle_interaction_error
from bot.i18n import N_, _, set_locale
from bot.partners import rules
from bot.partners.models import Partnership, Status
from bot.partners.service import PartnerService, ProposalText, Refused
from bot.ui import LocalizedModal
from cogs.partners._render import refusal_text

if TYPE_CHECKING:
    from bot.client import BotCore

# Field custom ids: also what the sandbox and scripts name the fields by.
OUR_LIBRARY, PARTNER_LIBRARY, CITY, GOALS, START = "our_library", "partner_library", "city", "goals", "start"
NOTE = "note"
FORM_TIMEOUT_S = 900.0
NOTE_PREFIXES = {"partner:reject": Status.REJECTED, "partner:changes": Status.CHANGES}
_NOTE_ID = re.compile(r"^(?P<prefix>partner:reject|partner:changes):(?P<id>\d{1,20})$")


class ProposalModal(LocalizedModal):
    def __init__(self, partnership_id: int, existing: Partnership | None = None) -> None:
        super().__init__(
            title=text.fit(_("Propose a partnership"), text.MODAL_TITLE),
            custom_id=rules.form_id(partnership_id),
            timeout=FORM_TIMEOUT_S,
        )

        def field(custom_id: str, label: str, limit: int, value: str | None, **more: Any) -> None:
            self.add_item(
                discord.ui.TextInput(
                    label=text.fit(label, text.TEXT_INPUT_LABEL),
                    custom_id=custom_id,
                    max_length=limit,
                    default=value or None,
                    **more,
                )
            )

        field(OUR_LIBRARY, _("Our library"), rules.LIBRARY_MAX, existing and existing.our_library)
        field(
            PARTNER_LIBRARY,
            _("Partner library (its own name)"),
            rules.LIBRARY_MAX,
            existing and existing.partner_library,
        )
        field(CITY, _("Partner library's city"), rules.CITY_MAX, existing and existing.partner_city)
        field(
            GOALS,
            _("Goals of the partnership"),
            rules.GOALS_MAX,
            existing and existing.goals,
            style=discord.TextStyle.paragraph,
        )
        field(
            START,
            _("Start date (YYYY-MM-DD)"),
            rules.DATE_MAX,
            existing.start_date.isoformat() if existing and existing.start_date else None,
            placeholder="2026-09-01",
        )

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        # Answered by submit_form for every submission, live form or not.
        return None


class NoteModal(LocalizedModal):
    """A moderator's reason for rejecting, or the changes they ask for."""

    def __init__(self, partnership_id: int, decision: Status) -> None:
        reject = decision == Status.REJECTED
        super().__init__(
            title=text.fit(_("Reject the proposal") if reject else _("Ask for changes"), text.MODAL_TITLE),
            custom_id=f"{'partner:reject' if reject else 'partner:changes'}:{partnership_id}",
            timeout=FORM_TIMEOUT_S,
        )
        self.add_item(
            discord.ui.TextInput(
                label=text.fit(
                    _("Reason (the proposer reads it)") if reject else _("What should change?"),
                    text.TEXT_INPUT_LABEL,
                ),
                custom_id=NOTE,
                style=discord.TextStyle.paragraph,
                max_length=rules.NOTE_MAX,
            )
        )

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        return None


def _fields(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        if isinstance(component.get("component"), dict):  # a label wrapping one input
            found.append(component["component"])
        found += _fields(component.get("components") or [])
        if "custom_id" in component and "value" in component:
            found.append(component)
    return found


def submitted_values(data: dict[str, Any]) -> dict[str, str]:
    return {str(f["custom_id"]): str(f.get("value") or "") for f in _fields(data.get("components") or [])}


def _service(interaction: discord.Interaction) -> PartnerService:
    client: BotCore = interaction.client  # type: ignore[assignment]
    return client.features.service(PartnerService)


async def submit_form(interaction: discord.Interaction) -> bool:
    """Answer a submitted partnership form; False when the interaction is not one."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    note = _NOTE_ID.match(custom_id)
    if not rules.is_form_id(custom_id) and note is None:
        return False
    set_locale(str(interaction.locale))
    try:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage
        values = submitted_values(data)
        if note is not None:
            from cogs.partners._buttons import decide  # noqa: PLC0415 - the buttons import this module

            decision = NOTE_PREFIXES[note["prefix"]]
            await decide(interaction, int(note["id"]), decision, rules.check_note(values.get(NOTE, "")))
        else:
            await _save_proposal(interaction, custom_id, values)
    except Exception as error:  # one handler for every interaction, as for commands
        await handle_interaction_error(interaction, error, "partnership form")
    return True


async def _save_proposal(interaction: discord.Interaction, custom_id: str, values: dict[str, str]) -> None:
    assert interaction.guild is not None
    partnership_id = rules.read_form_id(custom_id)
    if partnership_id is None:
        await interaction.response.send_message(
            _("This form is out of date. Nothing was saved; run the command again."), ephemeral=True
        )
        return
    today = interaction.created_at.date()
    proposal = ProposalText(
        our_library=rules.check_name(values.get(OUR_LIBRARY, ""), rules.LIBRARY_MAX, N_("our library")),
        partner_library=rules.check_name(
            values.get(PARTNER_LIBRARY, ""), rules.LIBRARY_MAX, N_("the partner library")
        ),
        partner_city=rules.check_name(values.get(CITY, ""), rules.CITY_MAX, N_("the city")),
        goals=rules.check_goals(values.get(GOALS, "")),
        start_date=rules.check_start_date(values.get(START, ""), today),
    )
    outcome = await _service(interaction).submit_form(
        partnership_id,
        interaction.guild.id,
        interaction.user.id,
        proposal,
        is_moderator=await is_moderator(interaction),
    )
    if isinstance(outcome, Refused):
        message = refusal_text(outcome)
    elif outcome.queued:
        message = _(
            "Thank you! Your proposal (#{id}) is with the moderators; I will tell you their answer "
            "by direct message."
        ).format(id=outcome.partnership.id)
    else:
        message = _("Partnership #{id} is updated.").format(id=outcome.partnership.id)
    await interaction.response.send_message(message, ephemeral=True)
