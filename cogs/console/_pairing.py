"""/admin pair, unpair and ban-from-pairing: parse the members, call bot.penpal.admin_ops, render.

The group's introduction is posted by the pen-pal introduction job, as for a round's groups; an
unpaired group's thread is told politely, in the server's language, through bot.delivery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot import pauses
from bot.checkins.service import CheckinService
from bot.i18n import N_, _, command_mention, current_locale, join_list, register_audit_label, using_locale
from bot.inputs import InputError
from bot.penpal import admin_ops
from bot.penpal.admin_ops import BanOutcome
from bot.penpal.checkins import KIND as PENPAL_SUBJECT
from bot.reference import localized_language_name
from bot.timefmt import both
from cogs.console._programmes import server_timezone

if TYPE_CHECKING:
    from bot.client import SisterBot
    from cogs.console import Audit

PENPAL_FEATURE = "penpal"  # the feature whose jobs introduce the group
register_audit_label("admin.pair", N_("members paired by hand"))
register_audit_label("admin.unpair", N_("pairing undone"))
register_audit_label("admin.ban_pairing", N_("member left out of pairing"))
register_audit_label("admin.unban_pairing", N_("member let back into pairing"))


def _people(members: list[discord.Member]) -> str:
    return join_list(member.mention for member in members)


def _no_bots(members: list[discord.Member]) -> None:
    for member in members:
        if member.bot:
            raise InputError(N_("{member} is a bot: name members of the server."), member=member.mention)


async def pair(
    bot: SisterBot, interaction: discord.Interaction, members: list[discord.Member], force: bool, audit: Audit
) -> str:
    assert interaction.guild_id is not None
    _no_bots(members)
    paired = await admin_ops.pair(
        bot.database, bot.clock, bot.scheduler, interaction.guild_id, [m.id for m in members], force=force
    )
    await audit(
        interaction,
        "admin.pair",
        members=[member.id for member in members],
        group=paired.group_id,
        forced=force,
    )
    timezone = await server_timezone(bot, interaction.guild_id)
    if paired.one_off:
        where = _(
            "No round was open, so they have a round of their own until {when}, with a check-in halfway."
        ).format(when=both(paired.round_ends_at, timezone))
    else:
        where = _("They joined the open round, which ends {when}.").format(
            when=both(paired.round_ends_at, timezone)
        )
    shared = (
        _("Shared languages: {languages}.").format(
            languages=join_list(
                localized_language_name(code, current_locale()) for code in paired.shared_languages
            )
        )
        if paired.shared_languages
        else _("They share no language in their profiles.")
    )
    parts = [
        _("Paired {members} as group {group}: their introduction is posted in a private thread now.").format(
            members=_people(members), group=paired.group_id
        ),
        where,
        shared,
    ]
    if await pauses.is_paused(bot.database, interaction.guild_id, PENPAL_FEATURE):
        parts.append(
            _(
                "Pen pals are paused in this server: the introduction waits until you resume them "
                "with {command}."
            ).format(command=command_mention("admin resume-programme"))
        )
    return " ".join(parts)


async def unpair(
    bot: SisterBot, interaction: discord.Interaction, member: discord.Member, audit: Audit
) -> str:
    assert interaction.guild_id is not None
    dissolved = await admin_ops.unpair(bot.database, bot.clock, interaction.guild_id, member.id)
    if not dissolved:
        return _("{member} is in no open pen-pal group. Nothing changed.").format(member=member.mention)
    await audit(interaction, "admin.unpair", member=member.id, groups=[group.group_id for group in dissolved])
    checkins = bot.features.service(CheckinService)
    unposted: list[int] = []
    with using_locale(await bot.guild_locale(interaction.guild_id)):
        text = _(
            "A moderator has ended this pairing. Thank you for writing to each other; "
            "you will have a new partner in the next round."
        )
    for group in dissolved:
        await checkins.end_subject(PENPAL_SUBJECT, group.group_id)
        if group.thread_id is None:
            continue
        posted = await bot.delivery.post(group.thread_id, text)
        if not posted.reached:
            unposted.append(group.group_id)
    reply = _(
        "Ended the pen-pal group {groups} of {member}. Everyone in it is back in the pool for the next round."
    ).format(groups=join_list(str(group.group_id) for group in dissolved), member=member.mention)
    if unposted:
        reply += " " + _("I could not tell the thread of group {groups}.").format(
            groups=join_list(str(group) for group in unposted)
        )
    return reply


async def ban(
    bot: SisterBot, interaction: discord.Interaction, member: discord.Member, undo: bool, audit: Audit
) -> str:
    assert interaction.guild_id is not None
    _no_bots([member])
    outcome = await admin_ops.ban(
        bot.database, bot.clock, interaction.guild_id, member.id, by=interaction.user.id, undo=undo
    )
    if outcome is BanOutcome.BANNED:
        await audit(interaction, "admin.ban_pairing", member=member.id)
        return _(
            "{member} is left out of every pen-pal round from now on, until you undo it. They are not "
            "told who did it. A group they are in now carries on; {command} ends it."
        ).format(member=member.mention, command=command_mention("admin unpair"))
    if outcome is BanOutcome.LIFTED:
        await audit(interaction, "admin.unban_pairing", member=member.id)
        return _("{member} is back in the pen-pal rounds from the next one.").format(member=member.mention)
    if outcome is BanOutcome.ALREADY_BANNED:
        return _("{member} was already left out of pairing. Nothing changed.").format(member=member.mention)
    return _("{member} was not left out of pairing. Nothing changed.").format(member=member.mention)
