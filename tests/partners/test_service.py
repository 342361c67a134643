"""Partnerships at the service tier: proposals, racing decisions, news, quiet checks, erasure."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.db.core_repo import upsert_guild_settings
from bot.db.models import AuditEntry
from bot.partners import jobs
from bot.partners.models import Partnership, PartnershipMember, Status
from bot.partners.service import Decided, ProposalText, Refusal, Refused, Submitted
from tests.partners.conftest import GUILD, MOD, Partners


async def test_a_submitted_proposal_waits_for_moderators_with_one_queue_post(partners: Partners) -> None:
    partnership_id = await partners.propose()
    found = await partners.service.pending(partnership_id)
    assert found is not None
    assert found.status == Status.PENDING
    assert sorted(found.member_ids()) == [1, 2]
    [queued] = await partners.jobs(jobs.QUEUE)
    assert queued.dedupe_key.startswith(jobs.queue_prefix(partnership_id))
    assert queued.payload == {"partnership_id": partnership_id}


async def test_two_moderators_deciding_at_once_make_exactly_one_decision(partners: Partners) -> None:
    partnership_id = await partners.propose()
    outcomes = await asyncio.gather(
        partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE),
        partners.service.decide(partnership_id, GUILD, MOD + 1, Status.REJECTED, "No"),
        partners.service.decide(partnership_id, GUILD, MOD + 2, Status.ACTIVE),
    )
    decided = [o for o in outcomes if isinstance(o, Decided)]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(decided) == 1
    assert [r.reason for r in refused] == [Refusal.DECIDED, Refusal.DECIDED]
    async with partners.database.session() as session:
        audits = (await session.scalars(select(AuditEntry))).all()
    assert len(audits) == 1
    assert audits[0].details["partnership_id"] == partnership_id
    assert len(await partners.jobs(jobs.TELL)) == 1


async def test_approval_schedules_the_announcement_and_the_next_anniversary_at_local_morning(
    partners: Partners,
) -> None:
    partnership_id = await partners.propose(start=date(2025, 4, 1))
    outcome = await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    assert isinstance(outcome, Decided)
    assert [j.dedupe_key for j in await partners.jobs(jobs.ANNOUNCE)] == [jobs.announce_key(partnership_id)]
    [anniversary] = await partners.jobs(jobs.ANNIVERSARY)
    # 1 April 2026 09:00 in Berlin is summer time (UTC+2), after the clocks change on 29 March.
    assert anniversary.due_at == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    assert anniversary.payload["years"] == 1
    post = await partners.posts.anniversary(partnership_id, 1)
    assert post is not None
    assert post.years == 1
    keys = {j.dedupe_key for j in await partners.jobs(jobs.ANNIVERSARY)}
    assert jobs.anniversary_key(partnership_id, 2027) in keys  # next year's, written with this one


def test_anniversaries_of_a_leap_day_and_across_dst() -> None:
    when, years = jobs.next_anniversary(date(2024, 2, 29), datetime(2025, 1, 1, tzinfo=UTC), "Europe/Berlin")
    assert (when, years) == (datetime(2025, 2, 28, 8, 0, tzinfo=UTC), 1)
    # 25 October 2026 is the day Berlin's clocks fall back (at 03:00 local): 09:00 is winter time.
    when, years = jobs.next_anniversary(
        date(2020, 10, 25), datetime(2026, 10, 25, 6, 0, tzinfo=UTC), "Europe/Berlin"
    )
    assert (when, years) == (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), 6)
    # A year later the same date is still summer time (the change comes on 31 October 2027).
    when, years = jobs.next_anniversary(date(2020, 10, 25), when, "Europe/Berlin")
    assert (when, years) == (datetime(2027, 10, 25, 7, 0, tzinfo=UTC), 7)


async def test_approving_without_an_announcements_channel_is_refused_and_nothing_changes(
    partners: Partners,
) -> None:
    partnership_id = await partners.propose()
    await partners.service.save_settings(GUILD, announce_channel_id=None)
    outcome = await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    assert isinstance(outcome, Refused)
    assert outcome.reason == Refusal.NO_CHANNEL
    assert (await partners.service.pending(partnership_id)) is not None


async def test_asked_for_changes_the_proposer_sends_it_again_and_it_is_queued_again(
    partners: Partners,
) -> None:
    partnership_id = await partners.propose()
    await partners.service.decide(partnership_id, GUILD, MOD, Status.CHANGES, "Add the city's district")
    partners.clock.advance(timedelta(minutes=5))
    again = await partners.service.submit_form(
        partnership_id,
        GUILD,
        1,
        ProposalText("Stadtbibliothek Köln", "上海图书馆", "上海 徐汇区", "Swap books", date(2025, 4, 1)),
        is_moderator=False,
    )
    assert isinstance(again, Submitted)
    assert again.queued
    assert again.partnership.status == Status.PENDING
    assert again.partnership.decision_note is None
    assert len(await partners.jobs(jobs.QUEUE)) == 2


async def test_only_members_or_moderators_change_a_partnership(partners: Partners) -> None:
    partnership_id = await partners.propose()
    await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    refused = await partners.service.edit(partnership_id, GUILD, 9, is_moderator=False, kind="informal")
    assert isinstance(refused, Refused)
    assert refused.reason == Refusal.NOT_YOURS
    edited = await partners.service.edit(partnership_id, GUILD, 2, is_moderator=False, add=[(3, "theirs")])
    assert not isinstance(edited, Refused)
    assert sorted(edited.member_ids()) == [1, 2, 3]
    by_mod = await partners.service.edit(partnership_id, GUILD, MOD, is_moderator=True, remove=[1])
    assert not isinstance(by_mod, Refused)
    assert sorted(by_mod.member_ids()) == [2, 3]
    ended = await partners.service.end(partnership_id, GUILD, 2, is_moderator=False)
    assert not isinstance(ended, Refused)
    assert ended.status == Status.ENDED
    again = await partners.service.edit(partnership_id, GUILD, 2, is_moderator=False, kind="formal")
    assert isinstance(again, Refused)
    assert again.reason == Refusal.ENDED
    assert await partners.jobs(jobs.ANNIVERSARY) == []  # an ended partnership has no anniversaries


async def test_a_quiet_partnership_is_flagged_once_until_there_is_news(partners: Partners) -> None:
    partnership_id = await partners.propose()
    await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    partners.clock.advance(timedelta(days=29))
    assert (await partners.posts.quiet(GUILD)).partnerships == []
    partners.clock.advance(timedelta(days=2))
    quiet = await partners.posts.quiet(GUILD)
    assert [p.id for p in quiet.partnerships] == [partnership_id]
    assert quiet.days == 30
    await partners.posts.mark_quiet([partnership_id])
    partners.clock.advance(timedelta(days=1))
    assert (await partners.posts.quiet(GUILD)).partnerships == []  # told once, not every day
    news = await partners.service.post_news(partnership_id, GUILD, 2, "We visited!", None, is_moderator=False)
    assert not isinstance(news, Refused)
    partners.clock.advance(timedelta(days=31))
    assert [p.id for p in (await partners.posts.quiet(GUILD)).partnerships] == [partnership_id]


async def test_news_needs_an_active_partnership_and_a_member(partners: Partners) -> None:
    partnership_id = await partners.propose()
    pending = await partners.service.post_news(partnership_id, GUILD, 1, "Hi", None, is_moderator=False)
    assert isinstance(pending, Refused)
    assert pending.reason == Refusal.NOT_ACTIVE
    await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    stranger = await partners.service.post_news(partnership_id, GUILD, 9, "Hi", None, is_moderator=False)
    assert isinstance(stranger, Refused)
    assert stranger.reason == Refusal.NOT_YOURS
    other_server = await partners.service.post_news(
        partnership_id, GUILD + 1, 1, "Hi", None, is_moderator=True
    )
    assert isinstance(other_server, Refused)
    assert other_server.reason == Refusal.GONE


async def test_erasing_a_member_keeps_the_partnership_without_them(partners: Partners) -> None:
    partnership_id = await partners.propose(proposer=1, partner=2)
    await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    await partners.service.post_news(partnership_id, GUILD, 1, "We visited!", None, is_moderator=False)
    exported = await partners.service.export_member(GUILD, 1)
    assert [p["id"] for p in exported["partnerships"]] == [partnership_id]
    assert [p["id"] for p in exported["proposals"]] == [partnership_id]
    assert [n["text"] for n in exported["news"]] == ["We visited!"]
    assert await partners.service.count_member(GUILD, 1) == 3
    assert await partners.service.erase_member(GUILD, 1) == 3
    assert await partners.service.count_member(GUILD, 1) == 0
    async with partners.database.session() as session:
        kept = await session.get(Partnership, partnership_id)
        members = (await session.scalars(select(PartnershipMember.user_id))).all()
    assert kept is not None
    assert kept.status == Status.ACTIVE
    assert kept.proposer_id is None
    assert list(members) == [2]


async def test_counts_for_the_dashboard(partners: Partners) -> None:
    first = await partners.propose(proposer=1)
    second = await partners.propose(proposer=3)
    await partners.propose(proposer=4)  # still pending: not counted
    await partners.service.decide(first, GUILD, MOD, Status.ACTIVE)
    await partners.service.decide(second, GUILD, MOD, Status.ACTIVE)
    await partners.service.end(second, GUILD, MOD, is_moderator=True)
    assert await partners.service.counts(GUILD) == {"active": 1, "new": 2, "ended": 1}
    partners.clock.advance(timedelta(days=40))
    assert await partners.service.counts(GUILD) == {"active": 1, "new": 0, "ended": 1}


async def test_list_pages_and_filters(partners: Partners) -> None:
    ids = [await partners.propose(proposer=10 + n) for n in range(7)]
    for partnership_id in ids:
        await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    first = await partners.service.list_page(GUILD, country=None, kind=None, page=1)
    second = await partners.service.list_page(GUILD, country=None, kind=None, page=2)
    assert (first.total, first.pages, len(first.partnerships), len(second.partnerships)) == (7, 2, 5, 2)
    assert not {p.id for p in first.partnerships} & {p.id for p in second.partnerships}
    assert (await partners.service.list_page(GUILD, country="BR", kind=None, page=1)).total == 0
    assert (await partners.service.list_page(GUILD, country="CN", kind="formal", page=1)).total == 7
    assert (await partners.service.list_page(GUILD, country=None, kind="informal", page=1)).total == 0
    assert len(await partners.service.search(GUILD, "上海")) == 7
    assert await partners.service.search(GUILD, "%") == []


async def test_the_quiet_check_follows_the_server_time_zone(partners: Partners) -> None:
    [job] = await partners.jobs(jobs.QUIET)
    assert job.due_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, winter time
    async with partners.database.session() as session:
        await upsert_guild_settings(session, GUILD, partners.clock.now(), {}, timezone="Asia/Shanghai")
    await partners.service.timezone_changed(GUILD)
    [job] = await partners.jobs(jobs.QUIET)
    assert job.due_at == datetime(2026, 3, 28, 1, 0, tzinfo=UTC)


async def test_an_anniversary_after_a_long_downtime_is_not_posted_but_next_year_is_scheduled(
    partners: Partners,
) -> None:
    partnership_id = await partners.propose(start=date(2025, 4, 1))
    await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    partners.clock.set(datetime(2026, 4, 4, 7, 0, tzinfo=UTC))  # three days after 1 April
    assert await partners.posts.anniversary(partnership_id, 1) is None
    keys = {j.dedupe_key for j in await partners.jobs(jobs.ANNIVERSARY)}
    assert jobs.anniversary_key(partnership_id, 2027) in keys


async def test_a_proposal_changed_while_it_waits_is_posted_again(partners: Partners) -> None:
    partnership_id = await partners.propose()
    partners.clock.advance(timedelta(minutes=1))
    again = await partners.service.submit_form(
        partnership_id,
        GUILD,
        2,  # the partner library's member may correct it too
        ProposalText("Stadtbibliothek Köln", "上海图书馆", "上海", "Swap books and visit", date(2025, 4, 1)),
        is_moderator=False,
    )
    assert isinstance(again, Submitted)
    assert again.queued
    assert len(await partners.jobs(jobs.QUEUE)) == 2
    stranger = await partners.service.submit_form(
        partnership_id,
        GUILD,
        9,
        ProposalText("x", "y", "z", "w", date(2025, 4, 1)),
        is_moderator=False,
    )
    assert isinstance(stranger, Refused)
    assert stranger.reason == Refusal.NOT_YOURS


async def test_a_proposal_sent_again_at_the_same_instant_gets_its_own_queue_post(partners: Partners) -> None:
    partnership_id = await partners.propose()
    again = await partners.service.submit_form(
        partnership_id,
        GUILD,
        1,
        ProposalText("Stadtbibliothek Köln", "上海图书馆", "上海", "Swap more books", date(2025, 4, 1)),
        is_moderator=False,
    )
    assert isinstance(again, Submitted)
    assert again.queued
    keys = [job.dedupe_key for job in await partners.jobs(jobs.QUEUE)]
    assert len(set(keys)) == 2, keys


async def test_decisions_are_audited_without_empty_details(partners: Partners) -> None:
    approved = await partners.propose()
    rejected = await partners.propose(proposer=3)
    await partners.service.decide(approved, GUILD, MOD, Status.ACTIVE)
    await partners.service.decide(rejected, GUILD, MOD, Status.REJECTED, "Not a library")
    async with partners.database.session() as session:
        audits = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(a.action, a.details) for a in audits] == [
        ("partners.approve", {"partnership_id": approved}),
        ("partners.reject", {"partnership_id": rejected, "note": "Not a library"}),
    ]


async def test_a_fourth_news_within_24_hours_is_refused_until_the_first_is_a_day_old(
    partners: Partners,
) -> None:
    partnership_id = await partners.propose()
    await partners.service.decide(partnership_id, GUILD, MOD, Status.ACTIVE)
    first = partners.clock.now()
    for n in range(3):
        posted = await partners.service.post_news(
            partnership_id, GUILD, 1, f"news {n}", None, is_moderator=False
        )
        assert not isinstance(posted, Refused)
        partners.clock.advance(timedelta(hours=1))
    refused = await partners.service.post_news(partnership_id, GUILD, 2, "one more", None, is_moderator=True)
    assert isinstance(refused, Refused)
    assert refused.reason == Refusal.TOO_MUCH_NEWS
    assert refused.until == first + timedelta(hours=24)
    assert len(await partners.jobs(jobs.NEWS)) == 3  # nothing recorded
    partners.clock.advance(refused.until - partners.clock.now())
    later = await partners.service.post_news(partnership_id, GUILD, 1, "a day on", None, is_moderator=False)
    assert not isinstance(later, Refused)
