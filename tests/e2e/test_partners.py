"""Partnerships end to end: propose, moderators decide, announce, browse, news, through the sandbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry
from bot.partners.models import Partnership, Status
from bot.partners.service import PartnerService
from bot.sandbox._uploads import Upload
from bot.sandbox.errors import SandboxError
from tests.e2e.harness import GUILD, SHORT_WINDOWS, World, world
from tests.e2e.test_privacy import last_answer

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


async def configure(running: World) -> None:
    """The server's time zone and moderators' channel, and the announcements channel."""
    await running.sandbox.run_command(
        "mod", "setup", {"timezone": "Europe/Berlin", "mod_channel": "mod-queue"}
    )
    saved = await running.sandbox.run_command("mod", "partner-admin settings", {"channel": "announcements"})
    assert "Saved" in saved.content, saved.content


@pytest.fixture
async def w(database_url: str) -> AsyncIterator[World]:
    guild = dict(GUILD, members=MEMBERS)
    async with world(database_url, guild=guild) as running:
        await configure(running)
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


async def run(w: World, who: str, path: str, **options: Any) -> Any:
    return await w.sandbox.run_command(who, path, options)


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
    # The photo travels as the announcement's own file: a member's attachment link expires in a day.
    assert embed["image"]["url"] == "attachment://photo.png"
    [message] = [m for m in w.sandbox.messages() if m.channel.name == "announcements"]
    [photo] = message.attachments
    assert w.sandbox.driver.uploads[int(photo["id"])].data == PNG
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


async def test_a_member_pressing_approve_is_refused_and_nothing_changes(w: World) -> None:
    await propose(w)
    await settle(w)
    [queued] = queue_posts(w)
    pressed = await w.sandbox.click("ana", "Approve", message=queued["line"])
    assert pressed.ephemeral
    assert "Only moderators" in pressed.content
    for label in ("Reject", "Ask for changes"):
        refused = await w.sandbox.click("tom", label, message=queued["line"])
        assert refused.type == 4, "no form opens for a member"
    await settle(w)
    assert (await partnership(w)).status == Status.PENDING
    assert announcements(w) == []
    assert [line for line in w.lines("edit") if line["channel"] == "mod-queue"] == []
    async with w.bot.database.session() as session:
        assert (
            await session.scalars(select(AuditEntry).where(AuditEntry.action.like("partners.%")))
        ).all() == []
    # A moderator can still decide afterwards.
    approved = await w.sandbox.click("mod", "Approve", message=queued["line"])
    assert "Approved" in approved.content


async def test_buttons_work_after_a_restart_and_only_one_decision_counts(w: World) -> None:
    await propose(w)
    await settle(w)
    [queued] = queue_posts(w)
    await w.restart()
    approved = await w.sandbox.click("mod", "Approve", message=queued["line"])
    assert "Approved" in approved.content
    await settle(w)
    assert len(announcements(w)) == 1
    # The queue post now says who decided, and its buttons are gone.
    message = w.sandbox.message_at_line(queued["line"])
    assert message.components == []
    assert "Approved by" in message.content
    assert len([line for line in w.lines("dm") if line.get("visible_to") == "tom"]) == 1


async def test_a_chinese_speaking_moderator_approves_in_chinese(w: World) -> None:
    await propose(w)
    await settle(w)
    [queued] = queue_posts(w)
    approved = await w.sandbox.click("lin", "Approve", message=queued["line"])
    assert approved.ephemeral
    assert "已批准" in approved.content, approved.content
    await settle(w)
    # The announcement is in the server's language (English here), names as typed.
    [posted] = announcements(w)
    assert "A new sister-library partnership" in posted["content"]
    assert "上海图书馆" in posted["content"]


async def test_a_rejection_with_its_reason_reaches_the_proposer(w: World) -> None:
    await propose(w, who="wei")
    await settle(w)
    [queued] = queue_posts(w)
    opened = await w.sandbox.click("mod", "Reject", message=queued["line"])
    assert opened.type == 9
    decided = await w.sandbox.submit_modal("mod", {"note": "We need the partner library's consent letter."})
    assert decided.ephemeral
    await settle(w)
    [told] = [line for line in w.lines("dm") if line.get("visible_to") == "wei"]
    assert "consent letter" in told["content"]
    assert "未获批准" in told["content"], told["content"]  # in the proposer's language
    assert (await partnership(w)).status == Status.REJECTED
    assert announcements(w) == []


async def test_asked_for_changes_the_proposer_edits_and_sends_it_again(w: World) -> None:
    await propose(w)
    await settle(w)
    [queued] = queue_posts(w)
    await w.sandbox.click("mod", "Ask for changes", message=queued["line"])
    await w.sandbox.submit_modal("mod", {"note": "Please add the district."})
    await settle(w)
    [told] = [line for line in w.lines("dm") if line.get("visible_to") == "tom"]
    assert "Please add the district." in told["content"]
    found = await partnership(w)
    assert f"#{found.id}" in told["content"]
    choices = await w.sandbox.autocomplete("tom", "partner edit", {"partnership": ""}, focused="partnership")
    assert [c["value"] for c in choices] == [str(found.id)]  # their own proposal, sent back
    others = await w.sandbox.autocomplete("ana", "partner edit", {"partnership": ""}, focused="partnership")
    assert others == []
    opened = await w.sandbox.run_command("tom", "partner edit", {"partnership": str(found.id)})
    assert opened.type == 9
    sent = await w.sandbox.submit_modal("tom", dict(FORM, city="上海 徐汇区"))
    assert "with the moderators" in sent.content
    await settle(w)
    assert len(queue_posts(w)) == 2
    assert (await partnership(w)).partner_city == "上海 徐汇区"


async def test_a_goal_of_2001_characters_gets_a_clear_error_and_nothing_is_saved(w: World) -> None:
    opened = await w.sandbox.run_command(
        "tom", "partner propose", {"kind": "formal", "partner_country": "CN"}
    )
    assert opened.type == 9
    # Discord's own client refuses more than the form's 1,000 characters and keeps the form open.
    with pytest.raises(SandboxError, match="to 1000 characters, not 2001"):
        await w.sandbox.submit_modal("tom", dict(FORM, goals="g" * 2001))
    # A client that sends it anyway gets the bot's own clear refusal; nothing is saved.
    unlock_form_limits(w, "tom")
    refused = await w.sandbox.submit_modal("tom", dict(FORM, goals="g" * 2001))
    assert refused.ephemeral
    assert "too long for the goals: use at most 1000 characters" in refused.content
    assert len(refused.content) < 300
    assert (await partnership(w)).status == Status.DRAFT
    await settle(w)
    assert queue_posts(w) == []


def unlock_form_limits(w: World, member: str) -> None:
    user = w.sandbox.world.user_named(member)
    modal = w.sandbox.driver.open_modals[user.id].modal
    for row in modal["components"]:
        for item in [row, *(row.get("components") or [])]:
            field = item["component"] if isinstance(item.get("component"), dict) else item
            field.pop("max_length", None)


async def approved(w: World, who: str = "tom", **options: Any) -> Partnership:
    await propose(w, who=who, **options)
    await settle(w)
    await w.sandbox.click("mod", "Approve", message=queue_posts(w)[-1]["line"])
    await settle(w)
    return await partnership(w)


async def test_list_show_news_checkin_and_end(w: World) -> None:
    found = await approved(w, partner_member="ana")
    listed = await w.sandbox.run_command("ana", "partner list", {"country": "CN"})
    assert listed.ephemeral
    assert "上海图书馆" in str(listed.embeds)
    empty = await w.sandbox.run_command("ana", "partner list", {"country": "BR", "kind": "informal"})
    assert "No partnership matches." in str(empty.embeds)
    choices = await w.sandbox.autocomplete(
        "ana", "partner show", {"partnership": "上海"}, focused="partnership"
    )
    assert choices[0]["value"] == str(found.id)
    shown = await w.sandbox.run_command("ana", "partner show", {"partnership": choices[0]["value"]})
    assert "🇨🇳" in str(shown.embeds)
    news = await w.sandbox.run_command(
        "ana",
        "partner news",
        {
            "partnership": str(found.id),
            "text": "We swapped 40 picture books!",
            "photo": Upload("books.jpg", PNG),
        },
    )
    assert "Thank you" in news.content
    stranger = await w.sandbox.run_command(
        "wei", "partner news", {"partnership": str(found.id), "text": "Hi"}
    )
    assert stranger.ephemeral
    assert "只有合作成员和版主" in stranger.content  # wei reads Chinese
    await settle(w)
    posted = announcements(w)
    assert len(posted) == 2
    assert "Stadtbibliothek Köln ⇄ 上海图书馆" in posted[1]["content"]
    assert posted[1]["embeds"][0]["image"]["url"] == "attachment://photo.jpg"
    checked = await w.sandbox.run_command("tom", "partner checkin", {"partnership": str(found.id)})
    assert "noted as active" in checked.content
    ended = await w.sandbox.run_command("mod", "partner end", {"partnership": str(found.id)})
    assert "ended" in ended.content
    listed = await w.sandbox.run_command("ana", "partner list")
    assert "ended" in str(listed.embeds)
    again = await w.sandbox.run_command(
        "ana", "partner news", {"partnership": str(found.id), "text": "More!"}
    )
    assert "has ended" in again.content or "active" in again.content


async def test_anniversary_is_announced_on_the_start_date_at_the_server_morning(w: World) -> None:
    # START is Friday 27 March 2026, 09:00 UTC; the start date's first anniversary is 1 April.
    await approved(w, form=dict(FORM, start="2025-04-01"))
    await w.advance(timedelta(days=4, hours=21, minutes=59))  # 1 April 06:59 UTC = 08:59 Berlin
    assert not [line for line in announcements(w) if "🎂" in line["content"]]
    await w.advance(timedelta(minutes=2))
    [cake] = [line for line in announcements(w) if "🎂" in line["content"]]
    assert "1 year of partnership" in cake["content"]


async def test_a_quiet_partnership_is_flagged_to_moderators_once(w: World) -> None:
    await w.sandbox.run_command("mod", "partner-admin settings", {"quiet_days": 10})
    await approved(w)
    await w.advance(timedelta(days=12))
    flagged = [line for line in queue_posts(w) if "no news or check-in" in line["content"]]
    assert len(flagged) == 1
    assert "10 days" in flagged[0]["content"]
    await w.advance(timedelta(days=5))
    assert len([line for line in queue_posts(w) if "no news or check-in" in line["content"]]) == 1


HOSTILE = [
    "x" * 5000,
    "\u200b\u200b\u200b",
    "<@&1> @everyone @here",
    "**bold** __u__ ~~s~~ `code` [link](https://example.org)",
    "上海图书馆合作伙伴" * 3,
]


@pytest.mark.parametrize("value", HOSTILE)
async def test_bad_input_in_every_option_is_refused_clearly_and_changes_nothing(w: World, value: str) -> None:
    found = await approved(w)
    before = len(w.sandbox.transcript)
    replies = [
        await w.sandbox.run_command("tom", "partner propose", {"kind": "formal", "partner_country": value}),
        await w.sandbox.run_command(
            "tom", "partner propose", {"kind": "formal", "partner_country": "CN", "our_country": value}
        ),
        await w.sandbox.run_command("tom", "partner list", {"country": value}),
        await w.sandbox.run_command("tom", "partner show", {"partnership": value}),
        await w.sandbox.run_command("tom", "partner edit", {"partnership": value}),
        await w.sandbox.run_command("tom", "partner end", {"partnership": value}),
        await w.sandbox.run_command("tom", "partner checkin", {"partnership": value}),
        await w.sandbox.run_command("tom", "partner news", {"partnership": value, "text": "Hello"}),
        await w.sandbox.run_command(
            "tom", "partner edit", {"partnership": str(found.id), "partner_country": value}
        ),
    ]
    for reply in replies:
        assert reply.ephemeral
        assert reply.type == 4, reply.content
        assert len(reply.content) < 400
        assert "@everyone" not in reply.content
        assert "<@&1>" not in reply.content
    news = await w.sandbox.run_command("tom", "partner news", {"partnership": str(found.id), "text": value})
    if value.startswith("x"):
        assert "too long for the news" in news.content
    elif value.startswith("\u200b"):
        assert "cannot be empty" in news.content
    else:  # markdown, mentions and Chinese are fine news: posted without pinging anyone
        assert "Thank you" in news.content
    await settle(w)
    for line in w.sandbox.transcript[before:]:
        assert "@everyone" not in str(line.get("allowed_mentions", {}).get("parse", []))
    assert (await partnership(w)).partner_country == "CN"


async def test_a_form_with_invisible_or_hostile_names_is_refused_or_kept_as_typed(w: World) -> None:
    refused = await propose(w, form=dict(FORM, our_library="\u200b\u200b"))
    assert "cannot be empty" in refused.content
    refused = await propose(w, form=dict(FORM, start="2026/09/01"))
    assert "YYYY-MM-DD" in refused.content
    await settle(w)
    assert queue_posts(w) == []
    kept = await propose(w, form=dict(FORM, partner_library="**Biblioteca** @everyone <@&1>"))
    assert "with the moderators" in kept.content
    await settle(w)
    await w.sandbox.click("mod", "Approve", message=queue_posts(w)[-1]["line"])
    await settle(w)
    [posted] = announcements(w)
    assert posted["allowed_mentions"]["parse"] == []
    assert "@everyone" not in posted["content"]


async def test_photos_must_be_images_of_at_most_8_mb(w: World) -> None:
    pdf = await w.sandbox.run_command(
        "tom",
        "partner propose",
        {"kind": "formal", "partner_country": "CN", "photo": Upload("plan.pdf", b"%PDF")},
    )
    assert "PNG, JPEG, GIF or WebP" in pdf.content
    big = await w.sandbox.run_command(
        "tom",
        "partner propose",
        {
            "kind": "formal",
            "partner_country": "CN",
            "photo": Upload("big.png", PNG + b"\x00" * (9 * 1024 * 1024)),
        },
    )
    assert "at most 8 MB" in big.content
    assert await partnership(w) is None


async def test_twelve_approvals_in_an_hour_publish_ten_now_and_two_after_the_hour_across_a_restart(
    w: World,
) -> None:
    # 12 posts each in the queue, the announcements and tom's DMs; the hour is the clock's.
    w.sandbox.route_window_scale = SHORT_WINDOWS
    for number in range(12):
        await propose(w, form=dict(FORM, partner_library=f"Library {number}"))
    await settle(w)
    posts = queue_posts(w)
    assert len(posts) == 12
    for post in posts:
        await w.sandbox.click("mod", "Approve", message=post["line"])
    await settle(w)
    assert len(announcements(w)) == 12
    assert len(w.lines("publish")) == 10
    listed = await run(w, "ana", "partner list")
    assert "Page 1 of 3 · 12 partnerships" in str(listed.embeds)
    turned = await w.sandbox.click("ana", "Next", message="last")
    assert "Page 2 of 3" in str(turned.embeds)
    await w.restart()
    await w.advance(timedelta(minutes=30))
    assert len(w.lines("publish")) == 10
    await w.advance(timedelta(minutes=31))
    published = w.lines("publish")
    assert len(published) == 12
    assert len({line["target"] for line in published}) == 12  # each once


async def test_proposing_without_a_moderator_channel_says_what_to_do(database_url: str) -> None:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        await running.sandbox.run_command("mod", "setup", {"timezone": "Europe/Berlin"})
        refused = await running.sandbox.run_command(
            "tom", "partner propose", {"kind": "formal", "partner_country": "CN"}
        )
        assert refused.ephemeral
        assert "moderator channel" in refused.content
        assert running.errors() == []
        assert running.sandbox.violations == []


async def test_privacy_export_and_delete_cover_partnerships_and_keep_them(w: World) -> None:
    found = await approved(w, partner_member="ana")
    await run(w, "tom", "partner news", partnership=str(found.id), text="Our first exchange!")
    await settle(w)
    exported = await w.sandbox.run_command("tom", "privacy export")
    answer = last_answer(exported)
    [attachment] = answer.attachments
    async with aiohttp.ClientSession() as http, http.get(attachment["url"]) as response:
        document = json.loads(await response.read())
    mine = document["features"]["partners"]
    assert [p["id"] for p in mine["partnerships"]] == [found.id]
    assert [n["text"] for n in mine["news"]] == ["Our first exchange!"]
    await w.sandbox.run_command("tom", "privacy delete")
    await w.sandbox.click("tom", "Delete my data", message={"contains": "cannot be undone"})
    kept = await partnership(w)
    assert kept.status == Status.ACTIVE
    assert kept.proposer_id is None
    assert kept.member_ids() == [w.sandbox.world.user_named("ana").id]


async def test_a_proposer_with_closed_dms_is_not_lost(database_url: str) -> None:
    members = [*MEMBERS, {"name": "kofi", "dms_closed": True}]
    async with world(database_url, guild=dict(GUILD, members=members)) as running:
        await configure(running)
        await propose(running, who="kofi")
        await settle(running)
        await running.sandbox.click("mod", "Reject", message=queue_posts(running)[0]["line"])
        await running.sandbox.submit_modal("mod", {"note": "Not a library."})
        await settle(running)
        alerts = [line for line in queue_posts(running) if "could not tell" in line["content"]]
        assert len(alerts) == 1
        assert "Not a library." not in str(announcements(running))  # a refusal stays private
        await propose(running, who="kofi")
        await settle(running)
        await running.sandbox.click("mod", "Approve", message=queue_posts(running)[-1]["line"])
        await settle(running)
        fell_back = [line for line in announcements(running) if "was approved" in line["content"]]
        assert len(fell_back) == 1
        assert fell_back[0]["pings"] == ["kofi"]
        # Discord's refusals of the closed DMs are expected; nothing else went wrong.
        assert [e for e in running.errors() if "50007" not in str(e)] == []
        assert running.sandbox.violations == []


async def test_settings_list_the_permissions_the_bot_lacks_and_save_nothing(w: World) -> None:
    w.sandbox.deny_bot(channel="general", permission=["embed_links", "send_messages"])
    await w.sandbox.settle()
    refused = await run(w, "mod", "partner-admin settings", channel="general", quiet_days=5)
    assert refused.ephemeral
    assert "Send Messages" in refused.content
    assert "Embed Links" in refused.content
    assert "Nothing was saved" in refused.content
    settings = await w.bot.features.service(PartnerService).settings(w.sandbox.world.guild_id)
    assert settings is not None
    assert settings.quiet_days == 90  # unchanged
    assert settings.announce_channel_id == w.sandbox.world.channel_named("announcements").id
    with pytest.raises(SandboxError, match="default_member_permissions"):
        await run(w, "tom", "partner-admin settings", quiet_days=1)  # hidden from members


async def test_the_dashboard_counts_an_approved_partnership_and_surveys_can_name_it(w: World) -> None:
    found = await approved(w, partner_member="ana")
    dashboard = await w.sandbox.run_command("mod", "dashboard", {"period": "week"})
    answer = dashboard.followups[-1] if dashboard.followups else dashboard.message
    assert answer is not None
    fields = {f["name"]: f["value"] for f in answer.embeds[0]["fields"]}
    assert fields["Partnerships active"].startswith("1")
    assert fields["New partnerships"].startswith("1")
    service = w.bot.features.service(PartnerService)
    named = await service.partnerships_of(found.guild_id, w.sandbox.world.user_named("ana").id)
    assert [(p.id, p.name) for p in named] == [(found.id, f"{found.our_library} – {found.partner_library}")]
    assert await service.partnerships_of(found.guild_id, w.sandbox.world.user_named("mod").id) == []


async def test_an_approved_partnership_gets_a_thread_and_check_ins_there(w: World) -> None:
    await w.sandbox.run_command("mod", "checkins settings", {"cadence": 1})
    found = await approved(w, partner_member="ana")
    threads = [line for line in w.lines("thread") if "Partnership" in str(line)]
    assert len(threads) == 1
    await w.advance(timedelta(days=8))
    posted = [
        line
        for line in w.lines("send")
        if "how is the partnership going" in (line.get("content") or "")
        and line.get("channel", "").startswith("Partnership:")
    ]
    assert len(posted) == 1
    form = await w.sandbox.click("ana", "Done", message=posted[0]["line"])
    assert form.modal is not None  # an optional note
    done = await w.sandbox.submit_modal("ana", {"note": "We swapped book lists"})
    assert done.ephemeral
    stranger = await w.sandbox.click("wei", "Done", message=posted[0]["line"])
    assert stranger.ephemeral
    await w.sandbox.run_command("tom", "partner end", {"partnership": str(found.id)})
    await w.advance(timedelta(days=8))
    again = [
        line for line in w.lines("send") if "how is the partnership going" in (line.get("content") or "")
    ]
    assert len(again) == 1  # ended: no more check-ins


async def test_a_departed_proposer_is_not_pinged_in_the_announcements_channel(database_url: str) -> None:
    async with world(database_url, guild=dict(GUILD, members=MEMBERS)) as running:
        await configure(running)
        await propose(running, who="ana")
        await settle(running)
        await running.sandbox.leave("ana")
        await running.sandbox.click("mod", "Approve", message=queue_posts(running)[-1]["line"])
        await settle(running)
        assert [line for line in announcements(running) if "was approved" in line["content"]] == []
        assert [line for line in announcements(running) if line.get("pings")] == []
        told = [line for line in queue_posts(running) if "could not tell" in line["content"]]
        assert len(told) == 1  # the moderators let her know instead
        # Discord's refusal of the DM to someone who left is expected; nothing else went wrong.
        assert [e for e in running.errors() if "50007" not in str(e)] == [], [
            e["detail"] for e in running.errors()
        ]
        assert running.sandbox.violations == []


async def test_news_are_limited_to_three_a_day_per_partnership_and_refused_clearly(w: World) -> None:
    found = await approved(w)
    answers = [
        (await run(w, "tom", "partner news", partnership=str(found.id), text=f"news {n}")).content
        for n in range(4)
    ]
    assert [a.startswith("Thank you!") for a in answers] == [True, True, True, False]
    assert "at most 3 news in 24 hours" in answers[3]
    assert "<t:" in answers[3]  # when the next one is possible
    await settle(w)
    assert len([line for line in announcements(w) if "news " in str(line)]) == 3
    await w.advance(timedelta(hours=24))
    again = await run(w, "tom", "partner news", partnership=str(found.id), text="news 4")
    assert again.content.startswith("Thank you!"), again.content


async def test_config_show_checks_the_partnership_announcements_channel(w: World) -> None:
    w.sandbox.deny_bot(channel="announcements", permission="send_messages")
    shown = await run(w, "mod", "config show")
    channel = w.sandbox.world.channel_named("announcements")
    assert channel is not None
    assert f"<#{channel.id}>" in shown.content, shown.content
    assert "Partnership announcements" in shown.content, shown.content
    assert "Send Messages" in shown.content, shown.content


async def test_a_member_added_later_joins_the_thread_and_one_removed_leaves_it(w: World) -> None:
    found = await approved(w)
    await run(w, "tom", "partner edit", partnership=str(found.id), add_member="ana", side="theirs")
    await w.advance(timedelta(days=8))
    joined = [line for line in w.sandbox.transcript if line["action"] == "thread_member"]
    assert ("ana", None) in [(line.get("member"), line.get("removed")) for line in joined], joined
    await run(w, "tom", "partner edit", partnership=str(found.id), remove_member="ana")
    left = [
        line for line in w.sandbox.transcript if line["action"] == "thread_member" and line.get("removed")
    ]
    assert [line.get("member") for line in left] == ["ana"], left
