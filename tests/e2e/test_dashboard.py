"""/dashboard end to end: figures from every feature, a chart and a CSV, in the reader's language."""

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "roles": ["Moderators"], "locale": "zh-CN"},
    {"name": "tom"},
    {"name": "ana"},
    {"name": "li"},
    {"name": "kofi"},
]


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def join(w: World, name: str, country: str, languages: str) -> None:
    await w.sandbox.run_command(
        name, "penpal join", {"country": country, "languages": languages, "timezone": "Europe/Berlin"}
    )
    await w.sandbox.submit_modal(
        name,
        {
            "display_name": name.title(),
            "library": f"{name.title()} Library",
            "about_you": "Hi",
            "interests": "Maps",
        },
    )


def answer(result: Any) -> Any:
    return result.followups[-1] if result.followups else result.message


async def download(attachment: dict[str, Any]) -> bytes:
    async with aiohttp.ClientSession() as http, http.get(attachment["url"]) as response:
        assert response.status == 200
        return await response.read()


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


async def test_the_dashboard_counts_members_pairs_countries_and_languages(w: World) -> None:
    await w.sandbox.run_command(
        "mod", "penpal-rounds settings", {"channel": "pen-pals", "cadence": "weekly", "weekday": 0, "hour": 9}
    )
    for name, country, languages in (
        ("tom", "US", "English"),
        ("ana", "ES", "English, Spanish"),
        ("li", "CN", "中文"),
        ("kofi", "GH", "English"),
    ):
        await join(w, name, country, languages)
    await w.sandbox.run_command("mod", "penpal-rounds run")
    result = answer(await w.sandbox.run_command("mod", "dashboard", {"period": "week"}))
    assert result.ephemeral
    [embed] = result.embeds
    assert "the last 7 days" in embed["title"]
    assert field(embed, "Active members") == "4 (▲ 4)"  # against the week before, which had none
    assert field(embed, "New members").startswith("4 ")
    assert field(embed, "Number of countries").startswith("4 ")
    # li shares no language with anyone; tom, ana and kofi make one trio
    assert field(embed, "Pen-pal pairs made").startswith("1 ")
    assert "Ghana" in field(embed, "Countries represented")
    assert "Chinese" in field(embed, "Languages represented")
    assert embed["image"]["url"] == "attachment://dashboard.png"
    chart, table = sorted(result.attachments, key=lambda a: a["filename"].endswith(".csv"))
    assert (await download(chart)).startswith(b"\x89PNG")
    rows = list(csv.DictReader(io.StringIO((await download(table)).decode("utf-8-sig"))))
    assert [row["row"] for row in rows] == ["bucket"] * 7 + ["period", "previous"]
    assert rows[-2]["active_members"] == "4"
    assert rows[-1]["active_members"] == "0"


async def test_a_chinese_moderator_reads_the_dashboard_in_chinese(w: World) -> None:
    await w.sandbox.run_command("mod", "setup", {"moderator_role": "Moderators"})
    result = answer(await w.sandbox.run_command("wei", "dashboard", {"period": "year"}))
    [embed] = result.embeds
    assert "社区" in embed["title"]
    assert any(f["name"] == "活跃成员" for f in embed["fields"])
