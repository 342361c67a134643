"""What pen-pal messages look like. Text is translated in the locale the caller has set."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.i18n import N_, _, current_locale
from bot.pairing.models import PenpalProfile
from bot.pairing.rounds import conversation_starters
from bot.reference import localized_country_name, localized_language_name

UNMATCHED_REASONS = {
    "no_shared_language": N_(
        "Nobody else in this round shares one of your languages. Adding another language you can "
        "write in to your profile (/penpal profile edit) gives you more partners."
    ),
    "only_avoided": N_("The only members who share a language with you are on an avoid list this round."),
    "odd_one_out": N_(
        "Everyone who could be your partner was already paired this round; you come first next time."
    ),
    "alone": N_("You were the only member in this round. Invite a colleague to join!"),
}
AVAILABILITY = {
    "mornings": N_("Mornings"),
    "afternoons": N_("Afternoons"),
    "evenings": N_("Evenings"),
    "weekends": N_("Weekends"),
    "flexible": N_("Flexible"),
}


def unmatched_reason(code: str) -> str:
    return _(UNMATCHED_REASONS.get(code, UNMATCHED_REASONS["odd_one_out"]))


def languages_text(codes: Sequence[str]) -> str:
    locale = current_locale()
    return ", ".join(localized_language_name(code, locale) for code in codes) or "—"


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
        embed.add_field(name=_("Interests"), value=", ".join(profile.interests), inline=False)
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
            title=f"{profile.display_name} · {profile.library}", description=profile.intro or None
        )
        embed.add_field(name=_("Country"), value=country or "—")
        embed.add_field(name=_("Languages"), value=languages_text(profile.languages))
        embed.add_field(name=_("Time zone"), value=profile.timezone or "—")
        if profile.interests:
            embed.add_field(name=_("Interests"), value=", ".join(profile.interests)[:1024], inline=False)
        embeds.append(embed)
    return "\n".join(lines), embeds[:10]
