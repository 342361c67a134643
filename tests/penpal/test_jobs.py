"""Job keys: built from UTC, so a key made from a member's local time matches the stored one."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.penpal import jobs


def test_a_resume_key_is_the_same_from_local_time_and_from_the_database() -> None:
    local = datetime(2026, 4, 5, 0, 0, tzinfo=ZoneInfo("America/New_York"))
    stored = local.astimezone(UTC)  # what the database gives back
    assert jobs.resume_key(1, 2, local) == jobs.resume_key(1, 2, stored)
    assert jobs.resume_key(1, 2, local).endswith("2026-04-05T04:00:00+00:00")


def test_round_keys_differ_by_generation_and_kind() -> None:
    at = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    keys = {
        jobs.round_key(jobs.ROUND, 1, 1, at),
        jobs.round_key(jobs.ROUND, 1, 2, at),
        jobs.round_key(jobs.NOTICE, 1, 1, at),
    }
    assert len(keys) == 3
    assert all(len(key) <= 255 for key in keys)


def test_every_kind_has_a_label_and_a_lateness() -> None:
    kinds = {jobs.NOTICE, jobs.ROUND, jobs.INTRO, jobs.UNMATCHED, jobs.CHECKIN, jobs.CLOSE, jobs.RESUME}
    assert set(jobs.LABELS) == kinds
    assert set(jobs.MAX_LATENESS) == kinds
