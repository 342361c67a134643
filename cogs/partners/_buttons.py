"""The moderators' queue buttons (persistent: the proposal id is in the custom_id, so they work
after a restart; who is a moderator is checked at each press) and the list's page buttons."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot import text
from bot.checks import is_moderator
from bot.i18n import _, using_locale
from bot.partners.models import Status
from bot.partners.service import PartnerService, Refusal, Refused
from bot.ui import LocalizedItem
from cogs.partners._modal import NoteModal
from cogs.partners._render import decided_line, refusal_text

if TYPE_CHECKING:
    from bot.client import BotCore

log = logging.getLogger("cogs.partners")
# What a press means: (custom_id word, decision).
ACTIONS = {"approve": Status.ACTIVE, "reject": Status.REJECTED, "changes": Status.CHANGES}


def _client(interaction: discord.Interaction) -> BotCore:
    return interaction.client  # type: ignore[return-value]


def _service(interaction: discord.Interaction) -> PartnerService:
    return _client(interaction).features.service(PartnerService)


def queue_buttons(partnership_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(DecisionButton(partnership_id, "approve"))
    view.add_item(DecisionButton(partnership_id, "reject"))
    view.add_item(DecisionButton(partnership_id, "changes"))
    return view


def _label(action: str) -> str:
    if action == "approve":
        return _("Approve")
    if action == "reject":
        return _("Reject")
    return _("Ask for changes")


class DecisionButton(
    LocalizedItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"partner:(?P<action>approve|reject|changes):(?P<id>\d+)",
):
    def __init__(self, partnership_id: int, action: str, label: str | None = None) -> None:
        self.partnership_id, self.action = partnership_id, action
        styles = {"approve": discord.ButtonStyle.success, "reject": discord.ButtonStyle.danger}
        super().__init__(
            discord.ui.Button(
                label=text.fit(label or _label(action), text.BUTTON_LABEL),
                style=styles.get(action, discord.ButtonStyle.secondary),
                custom_id=f"partner:{action}:{partnership_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> DecisionButton:
        return cls(int(match["id"]), match["action"], item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        if not await is_moderator(interaction):
            await interaction.response.send_message(
                _("Only moderators can decide on partnership proposals. Nothing was changed."), ephemeral=True
            )
            return
        decision = ACTIONS[self.action]
        if decision == Status.ACTIVE:
            await decide(interaction, self.partnership_id, decision, None)
            return
        if await _service(interaction).pending(self.partnership_id) is None:
            current = await _service(interaction).find(self.partnership_id)
            await interaction.response.send_message(
                refusal_text(Refused(Refusal.DECIDED if current else Refusal.GONE, current)), ephemeral=True
            )
            return
        await interaction.response.send_modal(NoteModal(self.partnership_id, decision))


async def decide(
    interaction: discord.Interaction, partnership_id: int, decision: Status, note: str | None
) -> None:
    """One moderator's decision, from a button or a note form: told back in their language, and
    the queue post updated in the server's."""
    assert interaction.guild is not None
    if not await is_moderator(interaction):
        await interaction.response.send_message(
            _("Only moderators can decide on partnership proposals. Nothing was changed."), ephemeral=True
        )
        return
    outcome = await _service(interaction).decide(
        partnership_id, interaction.guild.id, interaction.user.id, decision, note
    )
    if isinstance(outcome, Refused):
        await interaction.response.send_message(refusal_text(outcome), ephemeral=True)
        return
    if decision == Status.ACTIVE:
        reply = _("Approved: the announcement is on its way and the proposer will be told.")
    elif decision == Status.REJECTED:
        reply = _("Rejected; the proposer will be told your reason.")
    else:
        reply = _("Sent back: the proposer will be asked for these changes.")
    await interaction.response.send_message(reply, ephemeral=True)
    message = interaction.message
    if message is None:
        return
    with using_locale(await _client(interaction).guild_locale(interaction.guild.id)):
        content = text.fit(f"{message.content}\n{decided_line(outcome.partnership)}", text.MESSAGE_CONTENT)
    try:
        await message.edit(content=content, view=None, allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as error:  # the decision stands; only the queue post is stale
        log.warning("could not update the queue post of proposal %s: %s", partnership_id, error)


DYNAMIC_ITEMS = (DecisionButton,)
