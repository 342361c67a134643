"""What pen-pal messages look like. Text is translated in the locale the caller has set, and
every piece that reaches Discord is fitted to its limits here or in :mod:`bot.delivery`."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import text
from bot.i18n import N_, _, command_mention, current_locale, join_list
from bot.penpal.models import PenpalProfile
from bot.penpal.schedule import conversation_starters
from bot.penpal.service import Answer
from bot.reference import localized_country_name, localized_language_name

UNMATCHED_REASONS = {
    "no_shared_language": N_(
        "Nobody else in this round shares one of your languages. Adding another language you can "
        "write in to your profile ({command}) gives you more partners."
    ),
    # Never "someone avoided you": in a small pool that would tell who did.
    "only_avoided": N_(
        "Everyone who could be your partner was already paired this round; you come first next time."
    ),
    "odd_one_out": N_(
        "Everyone who could be your partner was already paired this round; you come first next time."
    ),
    "alone": N_("You were the only member in this round. Invite a colleague to join!"),
}
# The same reasons told to a moderator about a member (the preview).
PREVIEW_REASONS = {
    "no_shared_language": N_("shares no language with anyone else in the pool"),
    "only_avoided": N_("cannot be paired with anyone who shares a language (avoid lists)"),
    "odd_one_out": N_("left over: everyone who could be a partner is already paired"),
    "alone": N_("the only member in the pool"),
}
AVAILABILITY = {
    "mornings": N_("Mornings"),
    "afternoons": N_("Afternoons"),
    "evenings": N_("Evenings"),
    "weekends": N_("Weekends"),
    "flexible": N_("Flexible"),
}
ANSWERS = {
    Answer.NOT_IN_GROUP: N_("These buttons are for the members of this pen-pal group."),
    Answer.ROUND_ENDED: N_("This round has ended, so nothing was recorded. Thank you all the same!"),
    Answer.ROUND_GONE: N_("That round no longer exists."),
    Answer.ROUND_STARTED: N_("That round has already started, so it is too late to skip it."),
}


def command(path: str) -> str:
    """A command as the reader sees it: a clickable mention in their language where possible."""
    return command_mention(path)


def unmatched_reason(code: str) -> str:
    message = _(UNMATCHED_REASONS.get(code, UNMATCHED_REASONS["odd_one_out"]))
    return message.format(command=command("penpal profile edit")) if "{command}" in message else message


def preview_reason(code: str) -> str:
    return _(PREVIEW_REASONS.get(code, PREVIEW_REASONS["odd_one_out"]))


def answer_text(answer: Answer) -> str:
    return _(ANSWERS[answer])


def languages_text(codes: Sequence[str]) -> str:
    locale = current_locale()
    return join_list(localized_language_name(code, locale) for code in codes) or "—"


def profile_embed(profile: PenpalProfile, *, title: str) -> discord.Embed:
    locale = current_locale()
    embed = discord.Embed(title=title, description=profile.intro or None)
    embed.add_field(name=_("Name"), value=profile.display_name or "—")
    embed.add_field(name=_("Library"), value=profile.library or "—")
    country = localized_country_name(profile.country, locale) if profile.country else _("(not set)")
    embed.add_field(name=_("Country"), value=country)
    embed.add_field(
        name=_("Languages"), value=languages_text(profile.languages) if profile.languages else _("(not set)")
    )
    embed.add_field(name=_("Time zone"), value=profile.timezone or _("(not set)"))
    if profile.availability:
        embed.add_field(
            name=_("Availability"), value=_(AVAILABILITY.get(profile.availability, profile.availability))
        )
    if profile.interests:
        embed.add_field(name=_("Interests"), value=join_list(profile.interests), inline=False)
    return embed


def missing_fields(profile: PenpalProfile) -> list[str]:
    missing = []
    if not profile.country:
        missing.append(_("country"))
    if not profile.languages:
        missing.append(_("languages"))
    if not profile.timezone:
        missing.append(_("time zone"))
    return missing


def still_incomplete(missing: list[str]) -> str:
    """What a member whose profile lacks *missing* fields must still do before being paired."""
    return _(
        "Profile saved. One more step before you can be paired: set your {fields} with "
        "{command} (the lists suggest as you type)."
    ).format(fields=_(", ").join(missing), command=command("penpal profile edit"))


def thread_name(profiles: Sequence[PenpalProfile]) -> str:
    names = " & ".join(profile.display_name for profile in profiles)
    return text.fit(_("Pen pals: {names}").format(names=names), text.THREAD_NAME)


def intro_message(
    profiles: Sequence[PenpalProfile], shared: Sequence[str], seed: int
) -> tuple[str, list[discord.Embed]]:
    mentions = " ".join(f"<@{profile.user_id}>" for profile in profiles)
    locale = current_locale()
    lines = [
        _("Meet your pen pals for this round, {mentions}!").format(mentions=mentions),
        _("You share: {languages}.").format(languages=languages_text(shared)),
        "",
        _("Three ideas to start with:"),
    ]
    lines += [f"• {_(starter)}" for starter in conversation_starters(seed)]
    embeds = []
    for profile in profiles:
        country = localized_country_name(profile.country, locale) if profile.country else ""
        embed = discord.Embed(
            title=text.fit(f"{profile.display_name} · {profile.library}", text.EMBED_TITLE),
            description=text.fit(profile.intro, text.EMBED_DESCRIPTION) if profile.intro else None,
        )
        embed.add_field(name=_("Country"), value=country or "—")
        embed.add_field(name=_("Languages"), value=text.fit(languages_text(profile.languages), 1024))
        embed.add_field(name=_("Time zone"), value=profile.timezone or "—")
        if profile.interests:
            interests = join_list(profile.interests)
            embed.add_field(
                name=_("Interests"), value=text.fit(interests, text.EMBED_FIELD_VALUE), inline=False
            )
        embeds.append(embed)
    return "\n".join(lines), embeds


def still_paused() -> str:
    """Told to a paused member who saves their profile: saving does not end a pause."""
    return _("Profile saved. You are still paused: run {command} when you want to be paired again.").format(
        command=command("penpal resume")
    )
