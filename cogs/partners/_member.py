"""/partner: what members do. Parses, calls the partnership service, renders its outcome."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checkins.service import CheckinService
from bot.checks import is_moderator
from bot.errors import UserFacingError
from bot.i18n import N_, _, current_locale
from bot.inputs import InputError, check_id
from bot.partners import rules
from bot.partners.checkins import KIND as CHECKIN_KIND
from bot.partners.models import Side, Status
from bot.partners.service import Page, PartnerService, Refused
from bot.text import quote
from bot.translator import _T
from bot.ui import OwnerPager
from cogs.partners._input import (
    KIND_CHOICES,
    PARTNERSHIP_ID,
    SIDE_CHOICES,
    check_member,
    country_autocomplete,
    country_of,
    guild_of,
    kind_of,
    photo_of,
    require_queue,
    result,
)
from cogs.partners._modal import ProposalModal
from cogs.partners._render import choice_label, name, page_embed, partnership_embed, refusal_text
from cogs.partners._threads import sync_thread_members


@app_commands.guild_only()
class Partner(
    commands.GroupCog,
    group_name=_T("partner"),
    group_description=_T("Sister-library partnerships: propose, browse, share news"),
):
    def __init__(self, service: PartnerService, checkins: CheckinService) -> None:
        self.service = service
        self.checkins = checkins
        super().__init__()

    async def _partnership_id(self, guild_id: int, value: str) -> int:
        """The id an autocomplete choice carries, or a single partnership whose name matches."""
        rules.check_length(value, rules.QUERY_MAX, N_("a partnership"))
        found = PARTNERSHIP_ID.match(value.strip())
        if found:
            return check_id(found[1], N_("“{value}” is not a partnership I know; pick one from the list."))
        matches = await self.service.search(guild_id, value, limit=2) if value.strip() else []
        if len(matches) == 1:
            return matches[0].id
        raise InputError(
            N_("“{value}” is not a partnership I know; pick one from the list."), value=quote(value)
        )

    async def partnership_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await self.service.search(interaction.guild_id, current[: rules.QUERY_MAX])
        return [app_commands.Choice(name=choice_label(p), value=str(p.id)) for p in found]

    async def own_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """For /partner edit: the member's own proposals waiting or sent back come too."""
        if interaction.guild_id is None:
            return []
        found = await self.service.search(
            interaction.guild_id, current[: rules.QUERY_MAX], proposer_id=interaction.user.id
        )
        return [app_commands.Choice(name=choice_label(p), value=str(p.id)) for p in found]

    @app_commands.command(name=_T("propose"), description=_T("Propose a partnership with another library"))
    @app_commands.describe(
        kind=_T("A formal agreement or an informal partnership"),
        partner_country=_T("The partner library's country"),
        our_country=_T("Our library's country"),
        partner_member=_T("A member here who works at the partner library"),
        our_member=_T("Another member of our library taking part"),
        photo=_T("A photo for the announcement (PNG, JPEG, GIF or WebP, up to 8 MB)"),
    )
    @app_commands.rename(
        kind=_T("kind"),
        partner_country=_T("partner_country"),
        our_country=_T("our_country"),
        partner_member=_T("partner_member"),
        our_member=_T("our_member"),
        photo=_T("photo"),
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.autocomplete(partner_country=country_autocomplete, our_country=country_autocomplete)
    async def propose(
        self,
        interaction: discord.Interaction,
        kind: str,
        partner_country: str,
        our_country: str | None = None,
        partner_member: discord.Member | None = None,
        our_member: discord.Member | None = None,
        photo: discord.Attachment | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        await require_queue(interaction)
        theirs, ours = check_member(partner_member), check_member(our_member)
        members = [(user_id, side) for user_id, side in ((theirs, Side.THEIRS), (ours, Side.OURS)) if user_id]
        draft = await self.service.start_draft(
            guild_id,
            interaction.user.id,
            current_locale(),
            kind=kind_of(kind),
            partner_country=country_of(partner_country) or "",
            our_country=country_of(our_country),
            members=members,
            photo_url=photo_of(photo),
        )
        await interaction.response.send_modal(ProposalModal(draft))

    @app_commands.command(name=_T("list"), description=_T("Browse the server's partnerships"))
    @app_commands.describe(country=_T("Only partnerships with this country"), kind=_T("Only this kind"))
    @app_commands.rename(country=_T("country"), kind=_T("kind"))
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.autocomplete(country=country_autocomplete)
    async def list_(
        self, interaction: discord.Interaction, country: str | None = None, kind: str | None = None
    ) -> None:
        guild_id = guild_of(interaction)
        code = country_of(country)

        async def load(page: int) -> Page:
            return await self.service.list_page(guild_id, country=code, kind=kind, page=page)

        page = await load(1)
        title = _("Partnerships")
        pager = OwnerPager(
            interaction.user.id,
            page,
            load=lambda index: load(index + 1),  # pages are counted from 1 here
            render=lambda shown: page_embed(shown, title),
            position=lambda shown: (shown.page - 1, shown.pages),
            name="partnership list page",
        )
        await interaction.response.send_message(embed=pager.embed(), view=pager, ephemeral=True)

    @app_commands.command(name=_T("show"), description=_T("Show one partnership"))
    @app_commands.describe(partnership=_T("The partnership (start typing a library's name)"))
    @app_commands.rename(partnership=_T("partnership"))
    @app_commands.autocomplete(partnership=partnership_autocomplete)
    async def show(self, interaction: discord.Interaction, partnership: str) -> None:
        guild_id = guild_of(interaction)
        found = await self.service.get(await self._partnership_id(guild_id, partnership), guild_id)
        if found is None:
            raise UserFacingError(
                _("There is no such partnership here (it may have been rejected or removed).")
            )
        await interaction.response.send_message(
            embed=partnership_embed(found, title=name(found)), ephemeral=True
        )

    @app_commands.command(name=_T("edit"), description=_T("Change a partnership you are part of"))
    @app_commands.describe(
        partnership=_T("The partnership (start typing a library's name)"),
        kind=_T("A formal agreement or an informal partnership"),
        partner_country=_T("The partner library's country"),
        our_country=_T("Our library's country"),
        add_member=_T("A member to add"),
        side=_T("Which library the added member belongs to"),
        remove_member=_T("A member to take off the partnership"),
        photo=_T("A new photo (PNG, JPEG, GIF or WebP, up to 8 MB)"),
    )
    @app_commands.rename(
        partnership=_T("partnership"),
        kind=_T("kind"),
        partner_country=_T("partner_country"),
        our_country=_T("our_country"),
        add_member=_T("add_member"),
        side=_T("side"),
        remove_member=_T("remove_member"),
        photo=_T("photo"),
    )
    @app_commands.choices(kind=KIND_CHOICES, side=SIDE_CHOICES)
    @app_commands.autocomplete(
        partnership=own_autocomplete,
        partner_country=country_autocomplete,
        our_country=country_autocomplete,
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        partnership: str,
        kind: str | None = None,
        partner_country: str | None = None,
        our_country: str | None = None,
        add_member: discord.Member | None = None,
        side: str | None = None,
        remove_member: discord.Member | None = None,
        photo: discord.Attachment | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        partnership_id = await self._partnership_id(guild_id, partnership)
        moderator = await is_moderator(interaction)
        fields: dict[str, object] = {}
        if kind is not None:
            fields["kind"] = kind_of(kind)
        if partner_country is not None:
            fields["partner_country"] = country_of(partner_country)
        if our_country is not None:
            fields["our_country"] = country_of(our_country)
        if photo is not None:
            fields["photo_url"] = photo_of(photo)
        added = check_member(add_member)
        removed = remove_member.id if remove_member is not None else None
        if not fields and added is None and removed is None:
            target = result(
                await self.service.form_target(
                    partnership_id, guild_id, interaction.user.id, is_moderator=moderator
                )
            )
            await interaction.response.send_modal(ProposalModal(target.id, target))
            return
        saved = result(
            await self.service.edit(
                partnership_id,
                guild_id,
                interaction.user.id,
                is_moderator=moderator,
                add=[(added, side or Side.OURS)] if added else [],
                remove=[removed] if removed else [],
                **fields,
            )
        )
        await interaction.response.send_message(
            _("Partnership #{id} is updated.").format(id=saved.id),
            embed=partnership_embed(saved, title=_("Partnership #{id}").format(id=saved.id)),
            ephemeral=True,
        )
        if saved.status == Status.ACTIVE and saved.announce_message_id is not None:
            await sync_thread_members(
                interaction.client, saved.announce_message_id, add=added, remove=removed
            )

    @app_commands.command(
        name=_T("end"), description=_T("Mark a partnership as ended (it stays in the history)")
    )
    @app_commands.describe(partnership=_T("The partnership (start typing a library's name)"))
    @app_commands.rename(partnership=_T("partnership"))
    @app_commands.autocomplete(partnership=partnership_autocomplete)
    async def end(self, interaction: discord.Interaction, partnership: str) -> None:
        guild_id = guild_of(interaction)
        ended = result(
            await self.service.end(
                await self._partnership_id(guild_id, partnership),
                guild_id,
                interaction.user.id,
                is_moderator=await is_moderator(interaction),
            )
        )
        await self.checkins.end_subject(CHECKIN_KIND, ended.id)
        await interaction.response.send_message(
            _("Partnership #{id} is marked as ended. It stays in the history.").format(id=ended.id),
            ephemeral=True,
        )

    @app_commands.command(name=_T("news"), description=_T("Share news from your partnership with everyone"))
    @app_commands.describe(
        partnership=_T("The partnership (start typing a library's name)"),
        text=_T("What happened: an exchange, a visit, a donation…"),
        photo=_T("A photo (PNG, JPEG, GIF or WebP, up to 8 MB)"),
    )
    @app_commands.rename(partnership=_T("partnership"), text=_T("text"), photo=_T("photo"))
    @app_commands.autocomplete(partnership=partnership_autocomplete)
    async def news(
        self,
        interaction: discord.Interaction,
        partnership: str,
        text: str,
        photo: discord.Attachment | None = None,
    ) -> None:
        guild_id = guild_of(interaction)
        partnership_id = await self._partnership_id(guild_id, partnership)
        body, photo_url = rules.check_news(text), photo_of(photo)
        outcome = await self.service.post_news(
            partnership_id,
            guild_id,
            interaction.user.id,
            body,
            photo_url,
            is_moderator=await is_moderator(interaction),
        )
        if isinstance(outcome, Refused):
            raise UserFacingError(refusal_text(outcome))
        await interaction.response.send_message(
            _("Thank you! Your news will appear in the announcements channel."), ephemeral=True
        )

    @app_commands.command(name=_T("checkin"), description=_T("Tell moderators a partnership is still going"))
    @app_commands.describe(partnership=_T("The partnership (start typing a library's name)"))
    @app_commands.rename(partnership=_T("partnership"))
    @app_commands.autocomplete(partnership=partnership_autocomplete)
    async def checkin(self, interaction: discord.Interaction, partnership: str) -> None:
        guild_id = guild_of(interaction)
        found = result(
            await self.service.check_in(
                await self._partnership_id(guild_id, partnership),
                guild_id,
                interaction.user.id,
                is_moderator=await is_moderator(interaction),
            )
        )
        await interaction.response.send_message(
            _("Thanks: partnership #{id} is noted as active.").format(id=found.id), ephemeral=True
        )
