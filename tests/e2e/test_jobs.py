"""Scheduled jobs through the real bot: a crash between sending and marking done shows one message,
and moderators see and retry failed jobs."""

from datetime import timedelta

from sqlalchemy import select, update

from bot.i18n import N_, register_job_label
from bot.scheduler import JobState, ScheduledJob
from tests.e2e.harness import World


async def test_a_job_rerun_after_a_crash_does_not_post_twice(w: World) -> None:
    await w.sandbox.run_command("mod", "penpal-rounds settings", {"channel": "pen-pals", "cadence": "weekly"})
    for name, country in (("wei", "CN"), ("ana", "ES")):
        await w.sandbox.run_command(
            name, "penpal join", {"country": country, "languages": "en", "timezone": "UTC"}
        )
        await w.sandbox.submit_modal(name, {"display_name": name, "library": "Library"})
    await w.sandbox.run_command("mod", "penpal-rounds run")
    await w.advance(timedelta(days=1))  # halfway to the next scheduled round: the check-in
    asked = [line for line in w.lines("send") if "have you connected" in line["content"]]
    assert len(asked) == 1
    # The process "died" after sending and before marking the job done: the row is claimable again.
    async with w.bot.database.session() as session:
        query = select(ScheduledJob).where(ScheduledJob.kind == "penpal.checkin").order_by(ScheduledJob.id)
        job = (await session.execute(query)).scalars().first()
        assert job is not None
        assert job.state == JobState.DONE
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id == job.id)
            .values(state=JobState.PENDING, due_at=job.occurrence_at, lease_owner=None, lease_expires_at=None)
        )
    await w.bot.run_due_jobs()
    await w.sandbox.settle()
    shown = [m for m in w.sandbox.messages() if "have you connected" in m.content]
    assert len(shown) == 1, "Discord must show the check-in once, whatever the bot re-sent"
    async with w.bot.database.session() as session:
        assert (await session.get(ScheduledJob, job.id)).state == JobState.DONE  # type: ignore[union-attr]


async def test_moderators_see_failed_jobs_and_can_retry_them(w: World) -> None:
    guild_id = w.sandbox.world.guild_id
    await w.bot.scheduler.schedule("no.such.kind", {}, w.clock.now(), guild_id=guild_id)
    await w.bot.run_due_jobs()
    listed = await w.sandbox.run_command("mod", "jobs failed")
    assert listed.ephemeral
    assert "no.such.kind" in listed.content
    job_id = int(listed.content.split("#")[1].split()[0])
    retried = await w.sandbox.run_command("mod", "jobs retry", {"job": job_id})
    assert f"#{job_id}" in retried.content
    missing = await w.sandbox.run_command("mod", "jobs retry", {"job": 99999})
    assert "no failed job #99999" in missing.content
    # Other servers' members never see this server's jobs, and members cannot run /jobs at all.
    empty = await w.sandbox.run_command("mod", "jobs upcoming")
    assert "Nothing is scheduled." in empty.content


async def test_upcoming_jobs_show_kinds_as_words_in_the_server_zone_and_never_cancelled_ones(
    w: World,
) -> None:
    register_job_label("test.reminder", N_("Reminder"))
    guild_id = w.sandbox.world.guild_id
    await w.sandbox.run_command("mod", "setup", {"timezone": "Asia/Shanghai"})
    due = w.clock.now() + timedelta(days=1)  # 2026-03-28 09:00 UTC is 17:00 in Shanghai
    await w.bot.scheduler.schedule("test.reminder", {}, due, guild_id=guild_id)
    await w.bot.scheduler.schedule(
        "test.reminder", {}, due + timedelta(hours=1), guild_id=guild_id, dedupe_key="test:cancelled"
    )
    assert await w.bot.scheduler.cancel("test:cancelled")
    listed = await w.sandbox.run_command("mod", "jobs upcoming")
    assert "Reminder" in listed.content
    assert "test.reminder" not in listed.content
    assert "17:00 Asia/Shanghai" in listed.content
    assert "18:00" not in listed.content, "a cancelled job is not upcoming"
    assert listed.content.count("#") == 1
