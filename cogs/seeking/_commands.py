"""/seeking: post a library's wish for a sister, list the open posts, withdraw. Parses options,
calls the seeking service, renders its outcome. Server-only: Discord does not offer it in DMs."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery import mentions
from bot.i18n import _, command_mention, current_locale, ngettext
from bot.reference import search_countries, search_languages
from bot.seeking.repository import Page
from bot.seeking.rules import check_filter, check_post
from bot.seeking.service import SeekingService
from bot.text import CHOICE_NAME, CHOICE_VALUE, MESSAGE_CONTENT, fit
from bot.translator import _T
from bot.ui import OwnerPager
from cogs.seeking._render import filter_title, fit_lines, page_embed, pending_text


async def country_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=label[:CHOICE_NAME], value=code)
        for code, label in search_countries(current[:CHOICE_VALUE], current_locale())
    ]


async def languages_autocomplete(_i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    # Several languages go in one option, separated by commas: complete the last one.
    head, _sep, last = current[:CHOICE_VALUE].rpartition(",")
    prefix = f"{head.strip()}, " if head.strip() else ""
    return [
        app_commands.Choice(name=(prefix + label)[:CHOICE_NAME], value=(prefix + code)[:CHOICE_VALUE])
        for code, label in search_languages(last, current_locale())
    ]


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:  # guild_only() keeps it out of DMs; this is the second lock
        raise app_commands.NoPrivateMessage
    return interaction.guild_id


def _with_pending(reply: str, pending: str) -> str:
    return fit(f"{pending}\n\n{reply}" if pending else reply, MESSAGE_CONTENT)


@app_commands.guild_only()
class Seeking(
    commands.GroupCog,
    group_name=_T("seeking"),
    group_description=_T("Libraries looking for a sister library"),
):
    def __init__(self, service: SeekingService) -> None:
        self.service = service
        super().__init__()

    @app_commands.command(name=_T("post"), description=_T("Say your library is looking for a sister library"))
    @app_commands.describe(
        library=_T("Your library's name and city"),
        country=_T("Your library's country"),
        languages=_T("Languages you can work in, separated by commas"),
        offer=_T("What your library can offer a sister (up to 500 characters)"),
        hope=_T("What your library hopes for from a sister (up to 500 characters)"),
    )
    @app_commands.rename(
        library=_T("library"),
        country=_T("country"),
        languages=_T("languages"),
        offer=_T("offer"),
        hope=_T("hope"),
    )
    @app_commands.autocomplete(country=country_autocomplete, languages=languages_autocomplete)
    async def post(
        self,
        interaction: discord.Interaction,
        library: str,
        country: str,
        languages: str,
        offer: str,
        hope: str,
    ) -> None:
        guild_id = _guild(interaction)
        checked = check_post(library, country, languages, offer, hope, current_locale())
        pending = await self.service.take_pending(guild_id, interaction.user.id)
        posted = await self.service.post(guild_id, interaction.user.id, current_locale(), checked)
        lines = [
            _("Your post replaced your earlier one: a member has one open post per server.")
            if posted.replaced
            else _("Your library's post is up. Members find it with {command}.").format(
                command=command_mention("seeking list")
            )
        ]
        if posted.matches:
            lines.append(
                ngettext(
                    "It fits {count} open post; I am sending you both the details by direct message:",
                    "It fits {count} open posts; I am sending each of you the details by direct message:",
                    len(posted.matches),
                ).format(count=len(posted.matches))
            )
            lines.append(fit_lines([(match.post, match.fit.shared_languages) for match in posted.matches]))
        else:
            lines.append(_("No open post fits yours yet; I will tell you when one does."))
        lines.append(_("Take it down with {command}.").format(command=command_mention("seeking withdraw")))
        await interaction.response.send_message(
            _with_pending("\n".join(lines), pending_text(pending)),
            ephemeral=True,
            allowed_mentions=mentions(),
        )

    @app_commands.command(name=_T("list"), description=_T("Libraries looking for a sister library"))
    @app_commands.describe(
        country=_T("Only libraries in this country"), language=_T("Only libraries that work in this language")
    )
    @app_commands.rename(country=_T("country"), language=_T("language"))
    @app_commands.autocomplete(country=country_autocomplete, language=languages_autocomplete)
    async def list_posts(
        self, interaction: discord.Interaction, country: str | None = None, language: str | None = None
    ) -> None:
        guild_id = _guild(interaction)
        chosen = check_filter(country, language, current_locale())
        pending = await self.service.take_pending(guild_id, interaction.user.id)

        async def load(page: int) -> Page:
            return await self.service.page(guild_id, chosen, page)

        first = await load(0)
        title = filter_title(chosen)
        pager = OwnerPager(
            interaction.user.id,
            first,
            load=load,
            render=lambda page: page_embed(title, page),
            position=lambda page: (page.page, page.pages),
            name="seeking list page",
        )
        await interaction.response.send_message(
            fit(pending_text(pending), MESSAGE_CONTENT) if pending else discord.utils.MISSING,
            embed=pager.embed(),
            view=pager if first.pages > 1 else discord.utils.MISSING,
            ephemeral=True,
            allowed_mentions=mentions(),
        )

    @app_commands.command(name=_T("withdraw"), description=_T("Take your library's post down"))
    async def withdraw(self, interaction: discord.Interaction) -> None:
        guild_id = _guild(interaction)
        pending = await self.service.take_pending(guild_id, interaction.user.id)
        if await self.service.withdraw(guild_id, interaction.user.id):
            reply = _("Your post is taken down; nobody new will be told about it.")
        else:
            reply = _("You have no open post here. Post one with {command}.").format(
                command=command_mention("seeking post")
            )
        await interaction.response.send_message(
            _with_pending(reply, pending_text(pending)), ephemeral=True, allowed_mentions=mentions()
        )
