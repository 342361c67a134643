"""/admin export and import end to end: a zip of CSV tables, and members back from members.csv."""

import copy
import csv
import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.penpal.models import PenpalProfile
from bot.sandbox import Upload
from tests.e2e.harness import GUILD, World, world

SERVER: dict[str, Any] = copy.deepcopy(GUILD)
SERVER["members"] += [{"name": "tom"}, {"name": "li", "locale": "zh-CN"}]


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=SERVER) as running:
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


async def export(w: World) -> zipfile.ZipFile:
    result = answer(await w.sandbox.run_command("mod", "admin export"))
    assert result.ephemeral
    [attachment] = result.attachments
    async with aiohttp.ClientSession() as http, http.get(attachment["url"]) as response:
        return zipfile.ZipFile(io.BytesIO(await response.read()))


def table(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8-sig"))))


async def libraries(w: World) -> dict[str, str]:
    async with w.bot.database.session() as session:
        return {p.display_name: p.library for p in (await session.scalars(select(PenpalProfile))).all()}


async def test_export_zips_every_features_tables(w: World) -> None:
    await join(w, "tom", "US")
    await join(w, "ana", "ES")
    archive = await export(w)
    assert {"members.csv", "groups.csv", "articles.csv", "partnerships.csv", "checkins.csv"} <= set(
        archive.namelist()
    )
    members = table(archive, "members")
    assert {row["library"] for row in members} == {"Tom Library", "Ana Library"}
    assert members[0]["languages"] == "en"


async def test_import_adds_and_updates_members_and_says_which_rows_it_skipped(w: World) -> None:
    await join(w, "tom", "US")
    rows = table(await export(w), "members")
    rows[0]["library"] = "Tom's New Library"
    li = dict(
        rows[0],
        user_id=str(w.sandbox.world.user_named("li").id),
        display_name="Li",
        library="上海图书馆",
        country="CN",
    )
    stranger = dict(rows[0], user_id="12345", display_name="Nobody")
    bad = dict(rows[0], user_id=str(w.sandbox.world.user_named("ana").id), country="Atlantis")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows([rows[0], li, stranger, bad])
    result = answer(
        await w.sandbox.run_command(
            "mod", "admin import", {"file": Upload("members.csv", out.getvalue().encode())}
        )
    )
    assert "1 new, 1 updated, 2 skipped" in (result.content or "")
    assert "Row 4: not a member of this server" in (result.content or "")
    assert "Row 5:" in (result.content or "")
    assert "Atlantis" in (result.content or "")
    assert await libraries(w) == {"Tom": "Tom's New Library", "Li": "上海图书馆"}


async def test_import_names_a_row_it_cannot_read_and_imports_the_others(w: World) -> None:
    await join(w, "tom", "US")
    [tom] = table(await export(w), "members")
    ana = dict(tom, user_id=str(w.sandbox.world.user_named("ana").id), display_name="Ana", library="Ana Lib")
    li = dict(ana, user_id=str(w.sandbox.world.user_named("li").id), display_name="Li", library="Li Lib")
    superscript = dict(tom, user_id=tom["user_id"] + "²", library="Changed")
    huge = dict(tom, about="a" * 200_000, library="Changed too")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(tom))
    writer.writeheader()
    writer.writerows([superscript, ana, huge, li])
    result = answer(
        await w.sandbox.run_command(
            "mod", "admin import", {"file": Upload("members.csv", out.getvalue().encode())}
        )
    )
    assert "2 new, 0 updated, 2 skipped" in (result.content or ""), result.content
    assert "Row 2: not a member of this server" in (result.content or "")
    assert "Row 4: could not be read" in (result.content or "")
    assert await libraries(w) == {"Tom": "Tom Library", "Ana": "Ana Lib", "Li": "Li Lib"}


async def test_import_refuses_files_it_cannot_use_and_changes_nothing(w: World) -> None:
    await join(w, "tom", "US")
    before = await libraries(w)
    refused = await w.sandbox.run_command("mod", "admin import", {"file": Upload("members.txt", b"x")})
    assert ".csv" in (refused.content or "")
    wrong = answer(
        await w.sandbox.run_command("mod", "admin import", {"file": Upload("m.csv", b"name,city\nx,y\n")})
    )
    assert "lacks these columns" in (wrong.content or "")
    binary = answer(
        await w.sandbox.run_command("mod", "admin import", {"file": Upload("m.csv", b"\xff\xfe\x00bad")})
    )
    assert "UTF-8" in (binary.content or "")
    assert await libraries(w) == before
