"""A member's time zone is one setting: /timezone set and the pen-pal profile never disagree."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.members.models import MemberSettings
from bot.penpal.models import PenpalProfile
from tests.e2e.harness import World, world


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url) as running:
        await running.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin"})
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


async def zones(w: World, name: str) -> tuple[str | None, str | None]:
    user_id = w.sandbox.world.user_named(name).id
    async with w.bot.database.session() as session:
        own = await session.get(MemberSettings, user_id)
        profile = (
            await session.scalars(select(PenpalProfile).where(PenpalProfile.user_id == user_id))
        ).first()
    return (own.timezone if own else None), (profile.timezone if profile else None)


async def test_one_time_zone_for_pen_pals_reminders_and_everything_else(w: World) -> None:
    await w.sandbox.run_command(
        "ana", "penpal join", {"country": "ES", "languages": "Spanish", "timezone": "Europe/Madrid"}
    )
    await w.sandbox.submit_modal(
        "ana", {"display_name": "Ana", "library": "Sevilla", "about_you": "", "interests": ""}
    )
    assert await zones(w, "ana") == ("Europe/Madrid", "Europe/Madrid")
    shown = await w.sandbox.run_command("ana", "timezone show")
    assert "Europe/Madrid" in (shown.content or "")
    await w.sandbox.run_command("ana", "timezone set", {"timezone": "America/Mexico_City"})
    assert await zones(w, "ana") == ("America/Mexico_City", "America/Mexico_City")
    status = await w.sandbox.run_command("ana", "penpal profile view")
    assert "America/Mexico_City" in str(status.embeds) + (status.content or "")
