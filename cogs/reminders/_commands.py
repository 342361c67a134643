"""/remind me|list|cancel and /timezone set|show: parse, call the reminder service, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import text
from bot.delivery import mentions
from bot.errors import UserFacingError
from bot.i18n import N_, _, command_name, current_locale, using_locale
from bot.inputs import check_id, check_timezone
from bot.options import timezone_autocomplete
from bot.reminders.service import WHAT_MAX, Outcome, ReminderService
from bot.reminders.when import WHEN_MAX, WhenError
from bot.timefmt import both
from bot.translator import _T
from cogs.reminders._buttons import member_can_post, shared_view
from cogs.reminders._render import (
    command,
    confirmation,
    outcome_text,
    reminder_line,
    repeat_text,
    when_refusal,
    zone_text,
)

if TYPE_CHECKING:
    from bot.client import BotCore

LIST_WHAT = 100  # characters of each reminder in /remind list


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild_id


def check_what(what: str) -> str:
    if len(what) > WHAT_MAX:
        raise UserFacingError(
            _("“{value}” is too long for a reminder: use at most {limit} characters.").format(
                value=text.quote(what), limit=WHAT_MAX
            )
        )
    if not text.has_visible_text(what):
        raise UserFacingError(_("Say what to remind you of, e.g. “call the Shanghai library”."))
    return what.strip()


@app_commands.guild_only()
class Remind(commands.GroupCog, group_name=_T("remind"), group_description=_T("Personal reminders")):
    def __init__(self, service: ReminderService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(name=_T("me"), description=_T("Remind me of something, once or repeating"))
    @app_commands.describe(
        when=_T("When: “in 3 days”, “tomorrow 9am”, “every monday 09:00”, “明天上午9点”, “每周一 9点”"),
        what=_T("What to remind you of"),
        share=_T("Show it in this channel so others can press “Remind me too”"),
    )
    @app_commands.rename(when=_T("when"), what=_T("what"), share=_T("share"))
    async def me(self, interaction: discord.Interaction, when: str, what: str, share: bool = False) -> None:
        guild_id = _guild(interaction)
        what = check_what(what)
        # The channel is the fallback for closed DMs, and where a shared reminder shows: only one
        # the member may write in themselves, or the bot would post their text where they cannot.
        can_post = member_can_post(interaction)
        if share and not can_post:
            raise UserFacingError(
                _(
                    "You cannot send messages in this channel, so I will not share a reminder here. "
                    "Nothing was saved: set it without “share”, or share it in a channel where you can write."
                )
            )
        # Answer within Discord's 3 seconds even when many commands arrive at once.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            created = await self.service.create(
                guild_id,
                interaction.user.id,
                interaction.channel_id if can_post else None,
                when[: WHEN_MAX + 1],
                what,
                current_locale(),
            )
        except WhenError as error:
            zone = await self.service.zone(guild_id, interaction.user.id)
            raise UserFacingError(when_refusal(error, zone)) from None
        if created.outcome != Outcome.SAVED or created.reminder is None:
            raise UserFacingError(outcome_text(created.outcome))
        reminder = created.reminder
        await interaction.followup.send(confirmation(reminder, created.zone), ephemeral=True)
        if not share:
            return
        client: BotCore = interaction.client  # type: ignore[assignment]
        with using_locale(await client.guild_locale(guild_id)):  # a public post: the server's language
            public = _("{member} will be reminded on {when}:").format(
                member=interaction.user.mention, when=both(reminder.due_at, reminder.timezone)
            )
            if reminder.rule:
                public += " " + f"({repeat_text(reminder.rule)})"
            public += "\n> " + text.fit(text.single_line(reminder.what), 300)
            view = shared_view(reminder.id)
        await interaction.followup.send(
            text.fit(public, text.MESSAGE_CONTENT), view=view, allowed_mentions=mentions()
        )

    @app_commands.command(name=_T("list"), description=_T("Your reminders that are still to come"))
    async def list_(self, interaction: discord.Interaction) -> None:
        zone = await self.service.zone(interaction.guild_id, interaction.user.id)
        reminders = await self.service.active(interaction.user.id)
        if not reminders:
            await interaction.response.send_message(
                _("You have no reminders. Set one with {command}.").format(command=command("remind me")),
                ephemeral=True,
            )
            return
        embed = discord.Embed(
            title=_("Your reminders ({count})").format(count=len(reminders)),
            description=text.fit(
                "\n\n".join(reminder_line(r, LIST_WHAT) for r in reminders), text.EMBED_DESCRIPTION
            ),
        )
        embed.set_footer(
            text=_("Cancel one with {command} and its number.").format(command=command_name("remind cancel"))
        )
        await interaction.response.send_message(zone_text(zone), embed=embed, ephemeral=True)

    @app_commands.command(name=_T("cancel"), description=_T("Cancel one of your reminders"))
    @app_commands.describe(reminder=_T("The reminder's number, as /remind list shows it"))
    @app_commands.rename(reminder=_T("reminder"))
    async def cancel(self, interaction: discord.Interaction, reminder: str) -> None:
        number = check_id(
            reminder.strip().lstrip("#"),
            N_("“{value}” is not a reminder number; pick one from the list, e.g. 12."),
        )
        changed = await self.service.cancel(interaction.user.id, number)
        if changed.outcome != Outcome.SAVED or changed.reminder is None:
            raise UserFacingError(outcome_text(changed.outcome))
        await interaction.response.send_message(
            _("Cancelled reminder #{id}: {what}").format(
                id=changed.reminder.id, what=text.fit(text.single_line(changed.reminder.what), 200)
            ),
            ephemeral=True,
        )

    @cancel.autocomplete("reminder")
    async def cancel_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().lstrip("#").lower()[:50]
        choices = []
        for reminder in await self.service.active(interaction.user.id):
            label = f"#{reminder.id} · {text.single_line(reminder.what)}"
            if wanted and wanted not in label.lower():
                continue
            choices.append(
                app_commands.Choice(name=text.fit(label, text.CHOICE_NAME), value=str(reminder.id))
            )
        return choices[:25]


class TimeZone(
    commands.GroupCog, group_name=_T("timezone"), group_description=_T("Your time zone, for every feature")
):
    def __init__(self, service: ReminderService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(
        name=_T("set"), description=_T("Set your time zone: reminders and other times use it")
    )
    @app_commands.describe(timezone=_T("Your time zone, e.g. Asia/Shanghai"))
    @app_commands.rename(timezone=_T("timezone"))
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def set_(self, interaction: discord.Interaction, timezone: str) -> None:
        zone = await self.service.set_timezone(
            interaction.guild_id, interaction.user.id, check_timezone(timezone)
        )
        now = self.service.clock.now()
        await interaction.response.send_message(
            _(
                "Your time zone is now {zone}; it is {now} there. Reminders you set from now on use it; "
                "those already set keep their times."
            ).format(zone=zone.timezone, now=both(now, zone.timezone)),
            ephemeral=True,
        )

    @app_commands.command(name=_T("show"), description=_T("See which time zone your times are in"))
    async def show(self, interaction: discord.Interaction) -> None:
        zone = await self.service.zone(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(
            zone_text(zone)
            + " "
            + _("It is now {now} there.").format(now=both(self.service.clock.now(), zone.timezone)),
            ephemeral=True,
        )
