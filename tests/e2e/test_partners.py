"""Partnerships end to end: propose, moderators decide, announce, browse, news, through the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry
from bot.partners.models import Partnership, Status
from bot.sandbox._uploads import Upload
from tests.e2e.harness import GUILD, World, world

MEMBERS = [
    {"name": "mod", "roles": ["Moderators"]},
    {"name": "wei", "locale": "zh-CN"},
    {"name": "ana", "locale": "es-ES"},
    {"name": "tom"},
    {"name": "lin", "locale": "zh-CN", "roles": ["Moderators"]},
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {
    "our_library": "Stadtbibliothek Köln",
    "partner_library": "上海图书馆",
    "city": "上海",
    "goals": "Swap children's books twice a year and visit each other.",
    "start": "2025-04-01",
}


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    guild = dict(GUILD, members=MEMBERS)
    async with world(database_url, guild=guild) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
        )
        saved = await running.sandbox.run_command(
            "mod", "partner-admin settings", {"channel": "announcements"}
        )
        assert "Saved" in saved.content, saved.content
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def propose(w: World, who: str = "tom", form: dict[str, str] | None = None, **options: Any) -> Any:
    opened = await w.sandbox.run_command(
        who, "partner propose", {"kind": "formal", "partner_country": "CN", **options}
    )
    assert opened.type == 9, opened.content  # a form
    return await w.sandbox.submit_modal(who, form or FORM)


def queue_posts(w: World) -> list[dict[str, Any]]:
    return [line for line in w.lines("send") if line["channel"] == "mod-queue"]


def announcements(w: World) -> list[dict[str, Any]]:
    return [line for line in w.lines("send") if line["channel"] == "announcements"]


async def partnership(w: World) -> Partnership:
    async with w.bot.database.session() as session:
        return (await session.scalars(select(Partnership).order_by(Partnership.id.desc()))).first()  # type: ignore[return-value]


async def settle(w: World) -> None:
    await w.advance(timedelta(seconds=1))


async def test_propose_approve_announce_and_tell_the_proposer(w: World) -> None:
    sent = await propose(w, partner_member="ana", photo=Upload("visit.png", PNG))
    assert sent.ephemeral
    assert "with the moderators" in sent.content
    await settle(w)
    [queued] = queue_posts(w)
    assert [c["label"] for c in queued["components"]] == ["Approve", "Reject", "Ask for changes"]
    assert "上海图书馆" in str(queued["embeds"])
    approved = await w.sandbox.click("mod", "Approve", message=queued["line"])
    assert approved.ephemeral
    assert "Approved" in approved.content
    await settle(w)
    [posted] = announcements(w)
    embed = posted["embeds"][0]
    assert "上海图书馆" in embed["title"]
    assert "🇨🇳" in str(embed["fields"])
    assert embed["image"]["url"].endswith("visit.png")
    assert "Swap children's books" in embed["description"]
    told = [line for line in w.lines("dm") if line.get("visible_to") == "tom"]
    assert len(told) == 1
    assert "approved" in told[0]["content"]
    assert (await partnership(w)).status == Status.ACTIVE
    async with w.bot.database.session() as session:
        [audit] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "partners.approve"))
        ).all()
    assert audit.actor_id == w.sandbox.world.user_named("mod").id
