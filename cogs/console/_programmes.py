"""/admin pause-programme and resume-programme: parse the programme, call bot.pauses, say what is
paused now."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import pauses
from bot.db.core_repo import get_guild_settings
from bot.i18n import N_, _, command_mention, join_list, ngettext, register_audit_label
from bot.inputs import InputError, check_length
from bot.text import fit, quote
from bot.timefmt import both

if TYPE_CHECKING:
    from bot.client import SisterBot
    from cogs.console import Audit

register_audit_label("admin.pause", N_("programme paused"))
register_audit_label("admin.resume", N_("programme resumed"))

ALL_CHOICE = "all"
CHOICE_NAME = 100
PROGRAMME_MAX = 64
# How each feature is named to moderators; a feature not listed is shown by its name.
PROGRAMMES = {
    "penpal": N_("Pen pals"),
    "articles": N_("Articles"),
    "partners": N_("Partnerships"),
    "seeking": N_("Seeking a sister library"),
    "announcements": N_("Announcements"),
    "checkins": N_("Check-ins"),
    "surveys": N_("Surveys"),
}


def programme_label(feature: str) -> str:
    if feature == pauses.ALL:
        return _("All programmes")
    label = PROGRAMMES.get(feature)
    return _(label) if label is not None else feature


def programme_choices(bot: SisterBot, current: str) -> list[app_commands.Choice[str]]:
    wanted = current.strip().lower()[:PROGRAMME_MAX]
    options = [(ALL_CHOICE, programme_label(pauses.ALL))]
    options += [(name, programme_label(name)) for name in bot.features.pausable_kinds()]
    return [
        app_commands.Choice(name=fit(label, CHOICE_NAME), value=value)
        for value, label in options
        if wanted in value or wanted in label.lower()
    ][:25]


def parse_programme(bot: SisterBot, value: str | None) -> str:
    """The feature name (or :data:`bot.pauses.ALL`) a moderator chose; no choice means all."""
    value = (value or ALL_CHOICE).strip()
    check_length(value, PROGRAMME_MAX, N_("a programme"))
    if value.lower() in {ALL_CHOICE, pauses.ALL}:
        return pauses.ALL
    names = bot.features.pausable_kinds()
    if value in names:
        return value
    for name in names:  # a label typed instead of picked
        if value.lower() == programme_label(name).lower():
            return name
    raise InputError(
        N_("There is no programme “{value}”. Pick one from the list: {programmes}."),
        value=quote(value),
        programmes=join_list([programme_label(pauses.ALL), *(programme_label(n) for n in names)]),
    )


def describe_pauses(found: Sequence[pauses.Pause], timezone: str) -> str:
    """The server's pauses, one line each; for the replies and /config show."""
    if not found:
        return _("Nothing is paused: every programme runs.")
    lines = [_("Paused now:")]
    for pause in found:
        line = _("{programme}, since {when}").format(
            programme=programme_label(pause.feature), when=both(pause.paused_at, timezone)
        )
        if pause.reason:
            line += _(" ({reason})").format(reason=discord.utils.escape_markdown(pause.reason))
        lines.append(f"- {line}")
    return "\n".join(lines)


async def pause_report(bot: SisterBot, guild_id: int, timezone: str) -> str:
    """What is paused in the server, for /config show."""
    return describe_pauses(await pauses.list_pauses(bot.database, guild_id), timezone)


async def pause_programme(
    bot: SisterBot, interaction: discord.Interaction, feature: str | None, reason: str | None, audit: Audit
) -> str:
    assert interaction.guild_id is not None
    guild_id = interaction.guild_id
    chosen = parse_programme(bot, feature)
    outcome = await pauses.pause(
        bot.database, bot.clock, guild_id, chosen, by=interaction.user.id, reason=reason
    )
    label = programme_label(chosen)
    if outcome is pauses.PauseOutcome.ALREADY_PAUSED:
        head = _("{programme} was already paused. Nothing changed.").format(programme=label)
    else:
        await audit(interaction, "admin.pause", feature=chosen, reason=(reason or "").strip() or None)
        head = _(
            "Paused: {programme}. Nothing of it is posted or sent in this server until you resume it "
            "with {command}; what comes due meanwhile runs once then."
        ).format(programme=label, command=command_mention("admin resume-programme"))
    return await _with_state(bot, guild_id, head)


async def resume_programme(
    bot: SisterBot, interaction: discord.Interaction, feature: str | None, audit: Audit
) -> str:
    assert interaction.guild_id is not None
    guild_id = interaction.guild_id
    chosen = parse_programme(bot, feature)
    result = await pauses.resume(
        bot.database, bot.clock, bot.scheduler, guild_id, chosen, bot.features.pausable_kinds()
    )
    label = programme_label(chosen)
    if result.outcome is pauses.ResumeOutcome.NOT_PAUSED:
        head = _("{programme} is not paused. Nothing changed.").format(programme=label)
    else:
        await audit(interaction, "admin.resume", feature=chosen, jobs=result.pulled)
        if result.outcome is pauses.ResumeOutcome.STILL_PAUSED_BY_ALL:
            head = _(
                "{programme} is no longer paused on its own, but all programmes still are: "
                "resume all with {command}."
            ).format(programme=label, command=command_mention("admin resume-programme"))
        else:
            head = _("Resumed: {programme}.").format(programme=label)
            if result.pulled:
                head += " " + ngettext(
                    "{count} postponed job runs now.", "{count} postponed jobs run now.", result.pulled
                ).format(count=result.pulled)
    return await _with_state(bot, guild_id, head)


async def _with_state(bot: SisterBot, guild_id: int, head: str) -> str:
    found = await pauses.list_pauses(bot.database, guild_id)
    timezone = await server_timezone(bot, guild_id)
    return head + "\n\n" + describe_pauses(found, timezone)


async def server_timezone(bot: SisterBot, guild_id: int) -> str:
    async with bot.database.session() as session:
        settings = await get_guild_settings(session, guild_id)
    return settings.timezone if settings is not None else "UTC"
