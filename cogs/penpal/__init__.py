"""Pen pals: profiles, cross-border rounds, intro threads and "did you connect?"."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import moderator_check
from bot.errors import UserFacingError
from bot.i18n import _, current_locale, using_locale
from bot.options import timezone_autocomplete
from bot.pairing import repository as repo
from bot.pairing.models import ProfileStatus
from bot.reference import search_countries, search_languages
from bot.timefmt import both
from bot.translator import _T
from cogs.penpal._buttons import DYNAMIC_ITEMS
from cogs.penpal._input import check_choices, parse_pause_until
from cogs.penpal._modal import ProfileModal, submit_form
from cogs.penpal._render import AVAILABILITY, profile_embed, unmatched_reason
from cogs.penpal._service import PenpalService

if TYPE_CHECKING:
    from bot.client import SisterBot

CADENCES = {"weekly": _T("Every week"), "biweekly": _T("Every two weeks"), "monthly": _T("Every month")}
WEEKDAYS = (
    _T("Monday"),
    _T("Tuesday"),
    _T("Wednesday"),
    _T("Thursday"),
    _T("Friday"),
    _T("Saturday"),
    _T("Sunday"),
)
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
        app_commands.Choice(name=(prefix + label)[:100], value=(prefix + code)[:100])
        for code, label in search_languages(last, current_locale())
    ]


PROFILE_OPTIONS = {
    "country": _T("Your library's country"),
    "languages": _T("Languages you can write in, separated by commas"),
    "timezone": _T("Your time zone, e.g. Asia/Shanghai"),
    "availability": _T("When you usually have time to write"),
}
PROFILE_RENAMES = {name: _T(name) for name in PROFILE_OPTIONS}


def profile_options(func: object) -> object:
    func = app_commands.describe(**PROFILE_OPTIONS)(func)  # type: ignore[arg-type]
    func = app_commands.rename(**PROFILE_RENAMES)(func)
    func = app_commands.autocomplete(
        country=country_autocomplete, languages=languages_autocomplete, timezone=timezone_autocomplete
    )(func)
    return app_commands.choices(availability=AVAILABILITY_CHOICES)(func)


class Penpal(commands.GroupCog, group_name=_T("penpal"), group_description=_T("Pen pals across borders")):
    profile_group = app_commands.Group(
        name=_T("profile"), description=_T("See or change your pen-pal profile")
    )
    round_group = app_commands.Group(name=_T("round"), description=_T("Pen-pal rounds (moderators)"))

    def __init__(self, bot: SisterBot) -> None:
        self.bot = bot
        self.service = PenpalService(bot)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.penpal = self.service  # type: ignore[attr-defined]
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        runner = self.service.rounds
        self.bot.scheduler.register("penpal.notice", runner.send_notice, max_lateness=timedelta(hours=12))
        self.bot.scheduler.register("penpal.round", runner.run_round_job, max_lateness=timedelta(days=2))
        self.bot.scheduler.register("penpal.checkin", runner.send_checkin, max_lateness=timedelta(days=3))
        self.bot.scheduler.register("penpal.close", runner.close_round, max_lateness=timedelta(days=7))
        self.bot.scheduler.register("penpal.resume", runner.resume_job)

    async def cog_unload(self) -> None:
        self.service.rounds.shutdown()

    def _guild_id(self, interaction: discord.Interaction) -> int:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage
        return interaction.guild.id

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
        guild_id = self._guild_id(interaction)
        choices = check_choices(current_locale(), country, languages, timezone, availability)
        existing = await self.service.profile(guild_id, interaction.user.id)
        await interaction.response.send_modal(ProfileModal(self.service, choices, existing))

    @profile_group.command(name=_T("view"), description=_T("See your pen-pal profile as partners see it"))
    async def profile_view(self, interaction: discord.Interaction) -> None:
        profile = await self.service.require_profile(self._guild_id(interaction), interaction.user.id)
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
        guild_id = self._guild_id(interaction)
        choices = check_choices(current_locale(), country, languages, timezone, availability)
        existing = await self.service.require_profile(guild_id, interaction.user.id)
        if not any((country, languages, timezone, availability)):
            await interaction.response.send_modal(ProfileModal(self.service, choices, existing))
            return
        profile = await self.service.save(guild_id, interaction.user.id, existing.locale, choices)
        await interaction.response.send_message(
            _("Profile updated."), embed=profile_embed(profile, title=_("Your profile")), ephemeral=True
        )

    @app_commands.command(name=_T("pause"), description=_T("Sit out pen-pal rounds for a while"))
    @app_commands.describe(
        until=_T("When to come back: a date like 2026-05-01, or 10d, 3w, 2m; empty for until you resume")
    )
    @app_commands.rename(until=_T("until"))
    async def pause(self, interaction: discord.Interaction, until: str | None = None) -> None:
        guild_id = self._guild_id(interaction)
        profile = await self.service.require_profile(guild_id, interaction.user.id)
        timezone = profile.timezone or await self.bot.guild_timezone(guild_id)
        resume_at = parse_pause_until(until, timezone, self.bot.clock.now()) if until else None
        await self.service.pause(guild_id, interaction.user.id, resume_at)
        if resume_at is None:
            message = _("Paused. Run /penpal resume when you want to be paired again.")
        else:
            message = _("Paused until {when}; I will put you back in the rounds then.").format(
                when=both(resume_at, timezone)
            )
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name=_T("resume"), description=_T("Come back to pen-pal rounds after a pause"))
    async def resume(self, interaction: discord.Interaction) -> None:
        resumed = await self.service.resume(self._guild_id(interaction), interaction.user.id)
        message = _("Welcome back! You are in the next round.") if resumed else _("You are not paused.")
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name=_T("leave"), description=_T("Stop taking part in pen-pal rounds"))
    @app_commands.describe(erase=_T("Also erase your profile and avoid list"))
    @app_commands.rename(erase=_T("erase"))
    async def leave(self, interaction: discord.Interaction, erase: bool = False) -> None:
        await self.service.leave(self._guild_id(interaction), interaction.user.id, erase=erase)
        message = (
            _("You have left the pen-pal programme and your profile is erased.")
            if erase
            else _("You have left the pen-pal programme. Your profile is kept; /penpal join brings you back.")
        )
        await interaction.response.send_message(message, ephemeral=True)

    @app_commands.command(name=_T("status"), description=_T("Your current partners and the next round"))
    async def status(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild_id(interaction)
        profile = await self.service.require_profile(guild_id, interaction.user.id)
        timezone = profile.timezone or await self.bot.guild_timezone(guild_id)
        lines = []
        if profile.status == ProfileStatus.PAUSED:
            lines.append(
                _("You are paused until {when}.").format(when=both(profile.paused_until, timezone))
                if profile.paused_until
                else _("You are paused until you run /penpal resume.")
            )
        for group in await self.service.current_groups(guild_id, interaction.user.id):
            partners = [f"<@{m.user_id}>" for m in group.members if m.user_id != interaction.user.id]
            where = f" · <#{group.thread_id}>" if group.thread_id else ""
            lines.append(_("Current partners: {partners}").format(partners=", ".join(partners)) + where)
        if len(lines) == (1 if profile.status == ProfileStatus.PAUSED else 0):
            lines.append(_("You have no partner at the moment."))
        lines.append(await self.service.next_round_text(guild_id, timezone))
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(
        name=_T("avoid"), description=_T("Never be paired with a member (private; can be undone)")
    )
    @app_commands.describe(member=_T("The member"), undo=_T("Remove them from your avoid list again"))
    @app_commands.rename(member=_T("member"), undo=_T("undo"))
    async def avoid(
        self, interaction: discord.Interaction, member: discord.Member, undo: bool = False
    ) -> None:
        changed = await self.service.avoid(
            self._guild_id(interaction), interaction.user.id, member.id, undo=undo
        )
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

    @round_group.command(
        name=_T("preview"), description=_T("Dry run: show the groups a round would make now")
    )
    @moderator_check()
    async def round_preview(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        profiles, result = await self.service.rounds.preview(self._guild_id(interaction))
        names = {str(p.user_id): p.display_name for p in profiles}
        lines = [_("{count} members in the pool.").format(count=len(profiles))]
        lines += [" · ".join(names[user_id] for user_id in group) for group in result.groups]
        lines += [f"{names[user_id]}: {unmatched_reason(reason)}" for user_id, reason in result.unmatched]
        await interaction.followup.send("\n".join(lines)[:2000], ephemeral=True)

    @round_group.command(name=_T("run"), description=_T("Start a pen-pal round now"))
    @moderator_check()
    async def round_run(self, interaction: discord.Interaction) -> None:
        guild_id = self._guild_id(interaction)
        await self._require_channel(guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        round_ = await self.service.rounds.run_round(guild_id, self.bot.clock.now())
        async with self.bot.database.session() as session:
            groups = await repo.groups_of_round(session, round_.id)
        await interaction.followup.send(
            _("Round started: {count} groups introduced.").format(count=len(groups)), ephemeral=True
        )

    @round_group.command(
        name=_T("settings"), description=_T("Choose the pen-pal channel and when rounds happen")
    )
    @app_commands.describe(
        channel=_T("The channel where private pen-pal threads are opened"),
        cadence=_T("How often rounds happen"),
        weekday=_T("The day rounds start"),
        hour=_T("The hour rounds start, in the server's time zone (0-23)"),
        no_repeat_rounds=_T("For how many rounds the same two people are not paired again"),
    )
    @app_commands.rename(
        channel=_T("channel"),
        cadence=_T("cadence"),
        weekday=_T("weekday"),
        hour=_T("hour"),
        no_repeat_rounds=_T("no_repeat_rounds"),
    )
    @app_commands.choices(
        cadence=[app_commands.Choice(name=label, value=code) for code, label in CADENCES.items()],
        weekday=[app_commands.Choice(name=label, value=index) for index, label in enumerate(WEEKDAYS)],
    )
    @moderator_check()
    async def round_settings(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        cadence: str | None = None,
        weekday: int | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        no_repeat_rounds: app_commands.Range[int, 0, 52] | None = None,
    ) -> None:
        guild_id = self._guild_id(interaction)
        changes = {
            key: value
            for key, value in {
                "channel_id": channel.id if channel else None,
                "cadence": cadence,
                "weekday": weekday,
                "hour": hour,
                "no_repeat_rounds": no_repeat_rounds,
            }.items()
            if value is not None
        }
        now = self.bot.clock.now()
        async with self.bot.database.session() as session:
            before = await repo.get_settings(session, guild_id)
            previous_round = before.next_round_at if before else None
            settings = await repo.save_settings(session, guild_id, now, **changes)
            channel_id = settings.channel_id
        if previous_round is not None and changes.keys() & {"cadence", "weekday", "hour"}:
            await self.service.rounds.cancel_scheduled(guild_id, previous_round)
        if channel_id is None:
            await interaction.response.send_message(
                _("Saved. Choose the pen-pal channel too, then rounds will be scheduled."), ephemeral=True
            )
            return
        round_at = await self.service.rounds.schedule_next(guild_id, now)
        timezone = await self.bot.guild_timezone(guild_id)
        await interaction.response.send_message(
            _("Saved. Pen-pal threads open in <#{channel}>. Next round: {when}.").format(
                channel=channel_id, when=both(round_at, timezone) if round_at else "—"
            ),
            ephemeral=True,
        )

    async def _require_channel(self, guild_id: int) -> None:
        async with self.bot.database.session() as session:
            settings = await repo.get_settings(session, guild_id)
        if settings is None or settings.channel_id is None:
            raise UserFacingError(_("Choose the pen-pal channel first with /penpal round settings."))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Pen-pal forms are answered here, not by a live Modal, so they work after a restart.
        await submit_form(self.service, interaction)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        changed = await self.service.member_left(payload.guild_id, payload.user.id)
        if not changed:
            return
        with using_locale(await self.bot.guild_locale(payload.guild_id)):
            for group, closed in changed:
                text = (
                    _(
                        "{name} has left the server, so this pairing is closed. Thank you both; "
                        "you will have a new partner in the next round."
                    )
                    if closed
                    else _("{name} has left the server. The rest of you can carry on as a pair.")
                ).format(name=payload.user.name)
                await self.service.rounds.post_in_group(group, text, discord.ui.View())


async def setup(bot: SisterBot) -> None:
    await bot.add_cog(Penpal(bot))
