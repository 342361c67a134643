"""The check-in job kinds and their keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import N_

POST = "checkins.post"
REPOST = "checkins.repost"

LABELS = {POST: N_("check-in"), REPOST: N_("snoozed check-in")}
# A check-in due while the bot was down is still posted (once); it carries the chain of
# check-ins on, so it never expires. A snoozed one a week late has lost its point.
MAX_LATENESS: dict[str, timedelta | None] = {POST: None, REPOST: timedelta(days=7)}


def post_key(subject_row_id: int, due_at: datetime) -> str:
    return f"{POST}:{subject_row_id}:{due_at.astimezone(UTC).isoformat()}"


def repost_key(checkin_id: int, snoozes: int) -> str:
    return f"{REPOST}:{checkin_id}:{snoozes}"
