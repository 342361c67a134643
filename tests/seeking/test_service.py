"""The seeking service on a real database: one post per member, fits told once per pair."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.seeking import jobs
from bot.seeking.models import SeekingFit, SeekingPost
from bot.seeking.rules import ListFilter
from bot.seeking.stats import seeking_stats
from tests.seeking.conftest import GUILD, Seek


async def count(seek: Seek, model: type) -> int:
    async with seek.database.session() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_posting_again_replaces_the_members_post(seek: Seek) -> None:
    first = await seek.post(1, "US")
    again = await seek.post(1, "US", library="Renamed Library")
    assert (first.replaced, again.replaced) == (False, True)
    assert await count(seek, SeekingPost) == 1
    assert (await seek.service.post_of(GUILD, 1)).library == "Renamed Library"  # type: ignore[union-attr]


async def test_a_fitting_post_records_the_pair_and_a_job_to_tell_both(seek: Seek) -> None:
    await seek.post(1, "US", offer="A book exchange", hope="Storytime ideas")
    posted = await seek.post(2, "CN", ("zh", "en"), offer="Storytime for children", hope="Picture books")
    assert [m.post.user_id for m in posted.matches] == [1]
    [job] = await seek.jobs()
    [fit_row] = await _fits(seek)
    assert (job.kind, job.payload) == (jobs.FIT, {"fit_id": fit_row.id})
    assert job.dedupe_key == jobs.fit_key(fit_row.id)
    notices = await seek.service.notices(fit_row.id)
    assert {n.user_id for n in notices} == {1, 2}
    assert {n.other.user_id for n in notices} == {2, 1}


async def test_no_fit_without_a_shared_language_another_country_or_overlap(seek: Seek) -> None:
    await seek.post(1, "US", ("en",))
    assert (await seek.post(2, "FR", ("fr",))).matches == []  # no shared language
    assert (await seek.post(3, "US", ("en",))).matches == []  # same country
    assert (await seek.post(4, "GH", ("en",), offer="Football", hope="Solar panels")).matches == []
    assert await count(seek, SeekingFit) == 0


async def test_a_pair_is_told_once_never_again(seek: Seek) -> None:
    await seek.post(1, "US")
    assert len((await seek.post(2, "CN")).matches) == 1
    assert (await seek.post(2, "CN", library="Again")).matches == []  # re-posting
    assert await seek.service.withdraw(GUILD, 1)
    assert (await seek.post(1, "US")).matches == []  # withdrawn and posted anew
    assert await count(seek, SeekingFit) == 1


async def test_told_sides_are_not_told_again_and_pending_is_taken_once(seek: Seek) -> None:
    await seek.post(1, "US")
    await seek.post(2, "CN")
    [fit_row] = await _fits(seek)
    assert await seek.service.take_pending(GUILD, 2) == []  # the job has not run yet
    await seek.service.mark_told(fit_row.id, [1])  # 1 got the direct message; 2's were closed
    assert [n.user_id for n in await seek.service.notices(fit_row.id)] == [2]
    assert await seek.service.take_pending(GUILD, 1) == []
    [pending] = await seek.service.take_pending(GUILD, 2)
    assert pending.other.user_id == 1
    assert await seek.service.take_pending(GUILD, 2) == []
    assert await seek.service.notices(fit_row.id) == []


async def test_nobody_is_told_about_a_withdrawn_post(seek: Seek) -> None:
    await seek.post(1, "US")
    await seek.post(2, "CN")
    [fit_row] = await _fits(seek)
    await seek.service.member_left(GUILD, 1)
    assert await seek.service.notices(fit_row.id) == []


async def test_list_filters_by_country_and_language_and_pages(seek: Seek) -> None:
    for user_id in range(1, 8):
        await seek.post(user_id, "DE" if user_id % 2 else "CN", ("de", "en") if user_id % 2 else ("zh",))
    everything = await seek.service.page(GUILD, ListFilter(), 0)
    assert (everything.total, everything.pages, len(everything.items)) == (7, 2, 5)
    last = await seek.service.page(GUILD, ListFilter(), 9)  # past the end: the last page
    assert (last.page, len(last.items)) == (1, 2)
    german = await seek.service.page(GUILD, ListFilter(country="DE"), 0)
    assert {p.user_id for p in german.items} == {1, 3, 5, 7}
    chinese = await seek.service.page(GUILD, ListFilter(language="zh"), 0)
    assert {p.user_id for p in chinese.items} == {2, 4, 6}
    assert (await seek.service.page(GUILD, ListFilter(country="CN", language="de"), 0)).total == 0


async def test_two_quick_posts_by_one_member_leave_one_post(seek: Seek) -> None:
    await seek.post(1, "US")
    results = await asyncio.gather(seek.post(2, "CN", library="First"), seek.post(2, "CN", library="Second"))
    assert await count(seek, SeekingPost) == 2
    assert sum(len(r.matches) for r in results) == 1  # the pair is recorded once
    assert await count(seek, SeekingFit) == 1


async def test_two_members_posting_at_once_see_each_other(seek: Seek) -> None:
    first, second = await asyncio.gather(seek.post(1, "US"), seek.post(2, "CN"))
    assert len(first.matches) + len(second.matches) == 1
    assert await count(seek, SeekingFit) == 1


async def test_a_job_cut_short_keeps_who_was_reached_and_waits_to_show_the_rest(seek: Seek) -> None:
    await seek.post(1, "US")
    await seek.post(2, "CN")
    [fit_row] = await _fits(seek)
    await seek.service.mark_told(fit_row.id, [1], finished=False)  # Discord failed on 2's message
    assert [n.user_id for n in await seek.service.notices(fit_row.id)] == [2]  # the retry
    assert await seek.service.take_pending(GUILD, 2) == []  # the retry will try first


async def test_export_erase_and_count_cover_the_members_posts_and_fits(seek: Seek) -> None:
    await seek.post(1, "US")
    await seek.post(2, "CN")
    exported = await seek.service.export_member(GUILD, 2)
    assert exported["post"]["country"] == "CN"
    assert [f["with_user_id"] for f in exported["fits"]] == [1]
    assert await seek.service.count_member(GUILD, 2) == 2
    assert await seek.service.erase_member(GUILD, 2) == 1
    assert await seek.service.post_of(GUILD, 2) is None
    assert await seek.service.count_member(GUILD, 2) == 1  # the fit keeps only the two ids
    assert (await seek.post(2, "CN")).matches == []  # so the pair is still never told twice


async def test_the_dashboard_counts_posts_fits_and_who_they_reached(seek: Seek) -> None:
    await seek.post(1, "US", ("en",))
    await seek.post(2, "CN", ("zh", "en"))
    await seek.post(3, "US", ("en",), offer="Football", hope="Solar panels")
    stats = seeking_stats(seek.database)
    now = seek.clock.now()
    figures = await stats(GUILD, now - timedelta(days=1), now + timedelta(seconds=1))
    assert figures.figures == {"seeking_posts": 3, "seeking_fits": 1}
    assert figures.active_members == {1, 2, 3}
    assert (figures.countries, figures.languages) == ({"US", "CN"}, {"en", "zh"})
    later = await stats(GUILD, now + timedelta(days=1), now + timedelta(days=2))
    assert later.figures == {"seeking_posts": 0, "seeking_fits": 0}


async def _fits(seek: Seek) -> list[SeekingFit]:
    async with seek.database.session() as session:
        return list((await session.execute(select(SeekingFit))).scalars())
