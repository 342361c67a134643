"""Fitting what the bot sends to Discord's limits, and keeping mentions off unless meant."""

from __future__ import annotations

import discord

from bot import text
from bot.delivery import fit_embed, fit_embeds, mentions


def test_a_long_title_and_fields_are_cut_with_an_ellipsis() -> None:
    embed = discord.Embed(title="N" * 80 + " · " + "L" * 200, description="d" * 5000)
    embed.add_field(name="n" * 300, value="v" * 2000)
    embed.add_field(name="", value="")
    fitted = fit_embed(embed)
    assert fitted.title is not None
    assert len(fitted.title) == text.EMBED_TITLE
    assert fitted.title.endswith(text.ELLIPSIS)
    assert len(fitted.fields[0].name or "") <= text.EMBED_FIELD_NAME
    assert len(fitted.fields[0].value or "") <= text.EMBED_FIELD_VALUE
    assert fitted.fields[1].value  # Discord refuses an empty field value
    assert len(fitted) <= text.EMBED_TOTAL


def test_short_texts_are_left_alone() -> None:
    embed = discord.Embed(title="Tom · Boston Library", description="Hello!")
    embed.add_field(name="Country", value="United States")
    fitted = fit_embed(embed)
    assert (fitted.title, fitted.description, fitted.fields[0].value) == (
        "Tom · Boston Library",
        "Hello!",
        "United States",
    )


def test_a_message_keeps_at_most_ten_embeds_within_six_thousand_characters() -> None:
    embeds = [discord.Embed(title=str(i), description="x" * 1500) for i in range(12)]
    fitted = fit_embeds(embeds)
    assert 1 <= len(fitted) <= 10
    assert sum(len(embed) for embed in fitted) <= text.EMBED_TOTAL
    assert [embed.title for embed in fitted] == [str(i) for i in range(len(fitted))]


def test_nobody_is_pinged_but_the_members_named() -> None:
    allowed = mentions([7]).to_dict()
    assert allowed["parse"] == []
    assert allowed["users"] == [7]
    assert mentions().to_dict() == {"parse": [], "users": []}
