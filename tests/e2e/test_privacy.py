"""/privacy end to end: a member's export holds their data and nobody else's; delete erases it."""

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.penpal.models import PenpalProfile
from bot.sandbox.errors import SandboxError
from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "tom"},
    {"name": "ana", "locale": "es-ES"},
    {"name": "wei", "locale": "zh-CN"},
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


async def join(w: World, name: str, country: str) -> None:
    await w.sandbox.run_command(
        name, "penpal join", {"country": country, "languages": "English", "timezone": "Europe/Berlin"}
    )
    saved = await w.sandbox.submit_modal(
        name,
        {
            "display_name": name.title(),
            "library": f"{name.title()} Library",
            "about_you": "Hi",
            "interests": "Maps",
        },
    )
    assert saved.content is not None


def last_answer(result: Any) -> Any:
    """After a deferral the answer is a follow-up, or the deferred message itself, edited."""
    return result.followups[-1] if result.followups else result.message


async def profiles(w: World) -> set[str]:
    async with w.bot.database.session() as session:
        return {p.library for p in (await session.execute(select(PenpalProfile))).scalars()}


async def download(attachment: dict[str, Any]) -> Any:
    async with aiohttp.ClientSession() as http, http.get(attachment["url"]) as response:
        assert response.status == 200
        return json.loads(await response.read())


async def test_export_holds_the_members_own_data_and_nobody_elses(w: World) -> None:
    await join(w, "tom", "US")
    await join(w, "ana", "ES")
    result = await w.sandbox.run_command("tom", "privacy export")
    answer = last_answer(result)
    assert answer.ephemeral
    [attachment] = answer.attachments
    assert attachment["filename"].endswith(".json")
    document = await download(attachment)
    assert document["member_id"] == str(w.sandbox.world.user_named("tom").id)
    dumped = json.dumps(document, ensure_ascii=False)
    assert "Tom Library" in dumped
    assert "Ana Library" not in dumped
    assert {"penpal", "articles"} <= set(document["features"])


async def test_delete_asks_first_then_erases_only_the_member_even_after_a_restart(w: World) -> None:
    await join(w, "tom", "US")
    await join(w, "ana", "ES")
    asked = await w.sandbox.run_command("tom", "privacy delete")
    assert asked.ephemeral
    assert "cannot be undone" in (asked.content or "")
    assert await profiles(w) == {"Tom Library", "Ana Library"}  # nothing changes before the press
    await w.restart()
    done = await w.sandbox.click("tom", "Delete my data", message={"contains": "cannot be undone"})
    assert "deleted" in (last_answer(done).content or "")
    assert await profiles(w) == {"Ana Library"}
    again = await w.sandbox.run_command("tom", "privacy delete")
    assert "keeps nothing about you" in (again.content or "")


async def test_privacy_speaks_chinese_and_is_not_offered_in_direct_messages(w: World) -> None:
    nothing = await w.sandbox.run_command("wei", "privacy delete")
    assert "不保存" in (nothing.content or "") or "没有" in (nothing.content or "")
    for path in ("privacy export", "privacy delete"):
        with pytest.raises(SandboxError):
            await w.sandbox.run_command("tom", path, channel="dm")


async def test_a_departed_members_data_is_erased_after_the_servers_retention_days(w: World) -> None:
    saved = await w.sandbox.run_command("mod", "setup", {"leaver_days": 7})
    assert "7 days after they leave" in (saved.content or "")
    await join(w, "tom", "US")
    await join(w, "ana", "ES")
    await w.sandbox.leave("tom")
    await w.advance(timedelta(days=6))
    assert await profiles(w) == {"Tom Library", "Ana Library"}
    await w.advance(timedelta(days=2))
    assert await profiles(w) == {"Ana Library"}


async def test_a_member_who_comes_back_in_time_keeps_their_data(w: World) -> None:
    await join(w, "tom", "US")
    await w.sandbox.leave("tom")
    await w.advance(timedelta(days=3))
    await w.sandbox.join("tom")
    await w.advance(timedelta(days=60))
    assert await profiles(w) == {"Tom Library"}


async def test_zero_days_erases_at_once_and_bad_values_are_refused(w: World) -> None:
    for value in (-1, 366):
        with pytest.raises(SandboxError):
            await w.sandbox.run_command("mod", "setup", {"leaver_days": value})
    saved = await w.sandbox.run_command("mod", "setup", {"leaver_days": 0})
    assert "as soon as they leave" in (saved.content or "")
    await join(w, "tom", "US")
    await w.sandbox.leave("tom")
    await w.advance(timedelta(minutes=1))
    assert await profiles(w) == set()
