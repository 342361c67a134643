"""The profile form /penpal join and /penpal profile edit open."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.i18n import _, normalise_locale
from bot.ui import LocalizedModal
from cogs.penpal._input import ProfileChoices, parse_interests
from cogs.penpal._render import missing_fields

if TYPE_CHECKING:
    from bot.pairing.models import PenpalProfile
    from cogs.penpal._service import PenpalService


class ProfileModal(LocalizedModal):
    def __init__(
        self, service: PenpalService, choices: ProfileChoices, existing: PenpalProfile | None
    ) -> None:
        super().__init__(title=_("Your pen-pal profile"), custom_id="penpal:profile")
        self.service, self.choices = service, choices
        self.display_name: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("Display name"),
            custom_id="display_name",
            max_length=80,
            default=existing.display_name if existing else None,
        )
        self.library: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("Library and city"),
            custom_id="library",
            max_length=200,
            placeholder=_("e.g. Shanghai Library, Shanghai"),
            default=existing.library if existing else None,
        )
        self.about: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("About you (shown to your partners)"),
            custom_id="about_you",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
            default=existing.intro if existing else None,
        )
        self.interests: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("Interests, separated by commas"),
            custom_id="interests",
            max_length=300,
            required=False,
            placeholder=_("e.g. children's books, digitisation, makerspaces"),
            default=", ".join(existing.interests) if existing else None,
        )
        for item in (self.display_name, self.library, self.about, self.interests):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        assert interaction.guild is not None
        interests = parse_interests(self.interests.value)
        display_name = self.display_name.value.strip()
        library = self.library.value.strip()
        if not display_name or not library:
            await interaction.response.send_message(
                _("Your display name and library cannot be blank. Nothing was saved; run the command again."),
                ephemeral=True,
            )
            return
        profile = await self.service.save(
            interaction.guild.id,
            interaction.user.id,
            normalise_locale(str(interaction.locale)),
            self.choices,
            display_name=display_name,
            library=library,
            intro=self.about.value.strip(),
            interests=interests,
        )
        missing = missing_fields(profile)
        if missing:
            message = _(
                "Profile saved. One more step before you can be paired: set your {fields} with "
                "/penpal profile edit (the lists suggest as you type)."
            ).format(fields=_(", ").join(missing))
        else:
            next_round = await self.service.next_round_text(interaction.guild.id, profile.timezone or "UTC")
            message = _(
                "Welcome to the pen-pal programme! You will be paired in the next round. {next_round}"
            ).format(next_round=next_round)
        await interaction.response.send_message(message, ephemeral=True)
