"""The comment form's submissions, answered from the custom_id alone (see CommentModal)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import discord

from bot.errors import handle_interaction_error
from bot.i18n import N_, set_locale
from bot.inputs import check_length
from bot.surveys import rules
from cogs.surveys import _render
from cogs.surveys._buttons import COMMENT_FIELD, COMMENT_FORM, COMMENT_FORM_PREFIX, SAVED, service_of


def _fields(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        if isinstance(component.get("component"), dict):  # a label wrapping one input
            yield component["component"]
        yield from _fields(component.get("components") or [])
        if "custom_id" in component and "value" in component:
            yield component


async def submit_comment(interaction: discord.Interaction) -> bool:
    """Answer a submitted survey comment; False when the interaction is not one."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if not custom_id.startswith(COMMENT_FORM_PREFIX):
        return False
    set_locale(str(interaction.locale))
    try:
        await _save(interaction, custom_id, data)
    except Exception as error:  # one handler for every interaction, as for commands
        await handle_interaction_error(interaction, error, "modal survey comment")
    return True


async def _save(interaction: discord.Interaction, custom_id: str, data: dict[str, Any]) -> None:
    match = COMMENT_FORM.fullmatch(custom_id)
    values = {str(f["custom_id"]): str(f.get("value") or "") for f in _fields(data.get("components") or [])}
    comment = values.get(COMMENT_FIELD, "").strip()
    check_length(comment, rules.COMMENT_MAX, N_("a comment"))
    if match is None:
        answered = None
    else:
        answered = await service_of(interaction).answer_comment(
            int(match["survey_id"]), interaction.user.id, comment or None
        )
    if answered is None or answered.outcome not in SAVED:
        message = _render.refusal(answered) if answered is not None else _render.refusal_unknown()
    else:
        message = _render.comment_saved(answered, comment)
    await interaction.response.send_message(message, ephemeral=True)
