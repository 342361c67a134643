"""A member whose Discord is in Simplified Chinese walks through every feature: each reply, embed,
button and form they see is in Chinese, with nothing left in English."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.harness import GUILD, World, world

MEMBERS = [{"name": "mod", "roles": ["Moderators"]}, {"name": "wei", "locale": "zh-CN"}, {"name": "tom"}]
# Three English words in a row: a sentence left untranslated. Mentions, links and code are removed
# first, and what members typed is in Chinese here, so anything left is the bot's own text.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[\s,']+[A-Za-z]{2,}){2,}\b")
NOT_TEXT = re.compile(r"<[@#/:!&][^>]*>|https?://\S+|`[^`]*`|\b[A-Z][a-z]+/[A-Za-z_]+\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        await running.sandbox.run_command(
            "mod", "setup", {"timezone": "Asia/Shanghai", "mod_channel": "mod-queue"}
        )
        await running.sandbox.run_command("mod", "penpal-rounds settings", {"channel": "pen-pals"})
        yield running
        assert running.sandbox.violations == []
        assert running.errors() == []


def texts(result: Any) -> list[str]:
    """Everything the member reads in an answer: content, embeds, buttons, select options, forms."""
    found: list[str] = []
    messages = [m for m in [result.message, *result.followups] if m is not None]
    for message in messages:
        found.append(message.content or "")
        for embed in message.embeds:
            found += [
                embed.get("title", ""),
                embed.get("description", ""),
                (embed.get("footer") or {}).get("text", ""),
            ]
            for field in embed.get("fields", []):
                found += [field["name"], field["value"]]
    for component in result.components:
        found += [component.get("label") or "", component.get("placeholder") or ""]
        found += [option.get("label", "") for option in component.get("options") or []]
    if result.modal:
        found.append(result.modal.get("title", ""))
    return [text for text in found if text]


def english_left(text: str) -> list[str]:
    return ENGLISH.findall(NOT_TEXT.sub(" ", text))


async def test_every_reply_a_chinese_member_reads_is_chinese(w: World) -> None:
    seen: list[tuple[str, str]] = []

    async def step(path: str, options: dict[str, Any] | None = None) -> Any:
        result = await w.sandbox.run_command("wei", path, options)
        seen.extend((path, text) for text in texts(result))
        return result

    await step("help")
    await step("help", {"command": "笔友"})
    await step("penpal join", {"country": "中国", "languages": "中文, English", "timezone": "Asia/Shanghai"})
    saved = await w.sandbox.submit_modal(
        "wei", {"display_name": "小魏", "library": "上海图书馆", "about_you": "你好", "interests": "古籍"}
    )
    seen.extend(("penpal join form", text) for text in texts(saved))
    for path in (
        "penpal status",
        "penpal profile view",
        "timezone show",
        "remind list",
        "article tags",
        "article saved",
        "seeking list",
        "partner list",
        "survey opt-in",
        "privacy delete",
    ):
        await step(path)
    await step("remind me", {"when": "明天上午9点", "what": "给姐妹馆写信"})
    await step("timezone set", {"timezone": "Asia/Shanghai"})
    await step("remind me", {"when": "昨天", "what": "过去的事"})  # a refusal, with examples
    await step("penpal leave")
    await w.advance(timedelta(days=1))
    dms = [
        line["content"]
        for line in w.lines()
        if str(line.get("channel", "")).endswith("wei") and line.get("content")
    ]
    seen.extend(("DM", text) for text in dms)
    assert len(seen) > 20
    untranslated = [(path, text[:120]) for path, text in seen if english_left(text)]
    assert untranslated == []
    assert all(CJK.search(text) for _path, text in seen if len(NOT_TEXT.sub("", text).strip()) > 3)
