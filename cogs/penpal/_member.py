"""/penpal: what members do. Parses, calls the pen-pal service, renders its outcome."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.clock import Clock
from bot.errors import UserFacingError
from bot.i18n import _, current_locale, join_list
from bot.options import timezone_autocomplete
from bot.penpal.models import PenpalProfile, ProfileStatus
from bot.penpal.service import MemberStatus, PenpalService
from bot.reference import search_countries, search_languages
from bot.text import CHOICE_NAME, CHOICE_VALUE
from bot.timefmt import both
from bot.translator import _T
from cogs.penpal._input import check_choices, parse_pause_until
from cogs.penpal._modal import ProfileModal
from cogs.penpal._render import AVAILABILITY, command, missing_fields, profile_embed, still_incomplete
from cogs.penpal._replies import FormReplies

AVAILABILITY_CHOICES = [
    app_commands.Choice(name=_T(label), value=code) for code, label in AVAILABILITY.items()
]


async def country_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=label, value=code)
        for code, label in search_countries(current, current_locale())
    ]


async def languages_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    # Several languages go in one option, separated by commas: complete the last one.
    head, _sep, last = current.rpartition(",")
    prefix = f"{head.strip()}, " if head.strip() else ""
    return [
        app_commands.Choice(name=(prefix + label)[:CHOICE_NAME], value=(prefix + code)[:CHOICE_VALUE])
        for code, label in search_languages(last, current_locale())
    ]


PROFILE_OPTIONS = {
    "country": _T("Your library's country"),
    "languages": _T("Languages you can write in, separated by commas"),
    "timezone": _T("Your time zone, e.g. Asia/Shanghai"),
    "availability": _T("When you usually have time to write"),
}
PROFILE_RENAMES = {
    "country": _T("country"),
    "languages": _T("languages"),
    "timezone": _T("timezone"),
    "availability": _T("availability"),
}


def profile_options(func: object) -> object:
    func = app_commands.describe(**PROFILE_OPTIONS)(func)  # type: ignore[arg-type]
    func = app_commands.rename(**PROFILE_RENAMES)(func)
    func = app_commands.autocomplete(
        country=country_autocomplete, languages=languages_autocomplete, timezone=timezone_autocomplete
    )(func)
    return app_commands.choices(availability=AVAILABILITY_CHOICES)(func)


def not_joined() -> UserFacingError:
    return UserFacingError(
        _("You have not joined the pen-pal programme yet: run {command}.").format(
            command=command("penpal join")
        )
    )


def joined(profile: PenpalProfile | None) -> PenpalProfile:
    if profile is None:
        raise not_joined()
    return profile


def joined_status(status: MemberStatus | None) -> MemberStatus:
    if status is None:
        raise not_joined()
    return status


def guild_of(interaction: discord.Interaction) -> int:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild.id


@app_commands.guild_only()
class Penpal(commands.GroupCog, group_name=_T("penpal"), group_description=_T("Pen pals across borders")):
    profile_group = app_commands.Group(
        name=_T("profile"), description=_T("See or change your pen-pal profile")
    )

    def __init__(self, service: PenpalService, clock: Clock) -> None:
        self.service = service
        self.forms = FormReplies(service)
        self.clock = clock
        super().__init__()

    @app_commands.command(
        name=_T("join"), description=_T("Join the pen-pal programme and tell others about you")
    )
    @profile_options
    async def join(
        self,
        interaction: discord.Interaction,
        country: str | None = None,
        languages: str | None = None,
        timezone: str | None = None,
        availability: str | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        choices = check_choices(current_locale(), country, languages, timezone, availability)
        existing = await self.service.profile(guild_id, interaction.user.id)
        await interaction.response.send_modal(ProfileModal(self.forms, choices, existing))  # type: ignore[arg-type]

    @profile_group.command(name=_T("view"), description=_T("See your pen-pal profile as partners see it"))
    async def profile_view(self, interaction: discord.Interaction) -> None:
        profile = joined(await self.service.profile(guild_of(interaction), interaction.user.id))
        await interaction.response.send_message(
            embed=profile_embed(profile, title=_("Your profile")), ephemeral=True
        )

    @profile_group.command(
        name=_T("edit"), description=_T("Change your country, languages, time zone or texts")
    )
    @profile_options
    async def profile_edit(
        self,
        interaction: discord.Interaction,
        country: str | None = None,
        languages: str | None = None,
        timezone: str | None = None,
        availability: str | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        choices = check_choices(current_locale(), country, languages, timezone, availability)
        existing = joined(await self.service.profile(guild_id, interaction.user.id))
        if not any((country, languages, timezone, availability)):
            await interaction.response.send_modal(ProfileModal(self.forms, choices, existing))  # type: ignore[arg-type]
            return
        saved = await self.service.save(guild_id, interaction.user.id, existing.locale, choices)
        missing = missing_fields(saved.profile)
        await interaction.response.send_message(
            still_incomplete(missing) if missing else _("Profile updated."),
            embed=profile_embed(saved.profile, title=_("Your profile")),
            ephemeral=True,
        )

    @app_commands.command(name=_T("pause"), description=_T("Sit out pen-pal rounds for a while"))
    @app_commands.describe(
        until=_T("When to come back: a date like 2026-05-01, or 10d, 3w, 2m; empty for until you resume")
    )
    @app_commands.rename(until=_T("until"))
    async def pause(self, interaction: discord.Interaction, until: str | None = None) -> None:
        guild_id = guild_of(interaction)
        status = joined_status(await self.service.status(guild_id, interaction.user.id))
        resume_at = parse_pause_until(until, status.timezone, self.clock.now()) if until else None
        await self.service.pause(guild_id, interaction.user.id, resume_at)
        if resume_at is None:
            message = _("Paused. Run {command} when you want to be paired again.").format(
                command=command("penpal resume")
            )
        else:
            message = _("Paused until {when}; I will put you back in the rounds then.").format(
                when=both(resume_at, status.timezone)
            )
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name=_T("resume"), description=_T("Come back to pen-pal rounds after a pause"))
    async def resume(self, interaction: discord.Interaction) -> None:
        guild_id = guild_of(interaction)
        joined(await self.service.profile(guild_id, interaction.user.id))
        resumed = await self.service.resume(guild_id, interaction.user.id)
        message = _("Welcome back! You are in the next round.") if resumed else _("You are not paused.")
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name=_T("leave"), description=_T("Stop taking part in pen-pal rounds"))
    @app_commands.describe(erase=_T("Also erase your profile and avoid list"))
    @app_commands.rename(erase=_T("erase"))
    async def leave(self, interaction: discord.Interaction, erase: bool = False) -> None:
        guild_id = guild_of(interaction)
        joined(await self.service.profile(guild_id, interaction.user.id))
        await self.service.leave(guild_id, interaction.user.id, erase=erase)
        message = (
            _("You have left the pen-pal programme and your profile is erased.")
            if erase
            else _(
                "You have left the pen-pal programme. Your profile is kept; {command} brings you back."
            ).format(command=command("penpal join"))
        )
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name=_T("status"), description=_T("Your current partners and the next round"))
    async def status(self, interaction: discord.Interaction) -> None:
        status = joined_status(await self.service.status(guild_of(interaction), interaction.user.id))
        profile, timezone = status.profile, status.timezone
        lines = []
        if profile.status == ProfileStatus.PAUSED:
            lines.append(
                _("You are paused until {when}.").format(when=both(profile.paused_until, timezone))
                if profile.paused_until
                else _("You are paused until you run {command}.").format(command=command("penpal resume"))
            )
        for group in status.groups:
            # A partner who left the server mid-round is no longer one.
            partners = [
                f"<@{m.user_id}>"
                for m in group.members
                if m.user_id != interaction.user.id and m.left_at is None
            ]
            where = f" · <#{group.thread_id}>" if group.thread_id else ""
            lines.append(_("Current partners: {partners}").format(partners=join_list(partners)) + where)
        if not status.groups:
            lines.append(_("You have no partner at the moment."))
        if status.next_round_at is None:
            lines.append(_("Moderators have not scheduled rounds yet."))
        else:
            lines.append(_("Next round: {when}.").format(when=both(status.next_round_at, timezone)))
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(
        name=_T("avoid"), description=_T("Never be paired with a member (private; can be undone)")
    )
    @app_commands.describe(member=_T("The member"), undo=_T("Remove them from your avoid list again"))
    @app_commands.rename(member=_T("member"), undo=_T("undo"))
    async def avoid(
        self, interaction: discord.Interaction, member: discord.Member, undo: bool = False
    ) -> None:
        if member.id == interaction.user.id:
            raise UserFacingError(_("You cannot avoid yourself."))
        if member.bot and not undo:
            raise UserFacingError(
                _("Bots never take part in pen-pal rounds, so there is no need to avoid one.")
            )
        changed = await self.service.avoid(guild_of(interaction), interaction.user.id, member.id, undo=undo)
        if undo:
            message = (
                _("Removed from your avoid list.")
                if changed
                else _("That member was not on your avoid list.")
            )
        else:
            message = (
                _("Noted: you will never be paired with them. Only you can see this.")
                if changed
                else _("That member is already on your avoid list.")
            )
        await interaction.response.send_message(message, ephemeral=True)
