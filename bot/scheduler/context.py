"""What a job handler receives, how it reports a hopeless failure, and its Discord nonce."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["NONCE_MAX_LENGTH", "Handler", "JobContext", "JobDeferred", "PermanentJobError", "job_nonce"]

# Discord accepts a message nonce of at most 25 characters.
NONCE_MAX_LENGTH = 25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help (the channel is gone, the member left): the
    job is parked as failed at once, with this message as its last error."""


class JobDeferred(Exception):  # noqa: N818 - an outcome, not an error
    """Raised by a handler (or a wrapper around it) that must not run yet, e.g. while its server
    has paused the programme: the job goes back to the queue due at ``until``, the attempt does
    not count, nothing is logged as an error and it is never parked. A one-off job gets a fresh
    occurrence at ``until`` (so its kind's lateness limit does not expire it); a recurring job
    keeps its occurrence (so a kind with a lateness limit skips it, one without runs it once)."""

    def __init__(self, until: datetime, reason: str = "deferred") -> None:
        if until.tzinfo is None or until.utcoffset() is None:
            raise ValueError("until must be timezone-aware")
        super().__init__(reason)
        self.until = until
        self.reason = reason


def _base36(number: int) -> str:
    if number < 0:
        raise ValueError("negative numbers have no nonce")
    digits = []
    while True:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
        if number == 0:
            return "".join(reversed(digits))


def job_nonce(job_id: int, occurrence_due_at: datetime, part: str | int | None = None) -> str:
    """A deterministic Discord message nonce (at most 25 characters) for one occurrence of a job.

    Sent with ``enforce_nonce``, a repeat of the same message (the process died after sending but
    before marking the job done, and the job ran again) returns the first message instead of
    posting twice. The occurrence, not the attempt, is in the nonce, so retries share it. A
    handler that sends several messages passes a distinct ``part`` for each (a channel id, an
    index): same inputs, same nonce; different parts, different nonces.
    """
    if occurrence_due_at.tzinfo is None or occurrence_due_at.utcoffset() is None:
        raise ValueError("occurrence_due_at must be timezone-aware")
    micros = (occurrence_due_at - _EPOCH) // timedelta(microseconds=1)
    prefix = f"s{_base36(job_id)}."
    if part is None:
        nonce = prefix + _base36(micros)
    else:
        digest = hashlib.sha256(f"{job_id}|{micros}|{part}".encode()).digest()
        nonce = prefix + base64.b32encode(digest).decode("ascii").lower()
    nonce = nonce[:NONCE_MAX_LENGTH]
    # Only a job id beyond any real table could truncate the readable form; refuse rather than
    # silently collide.
    if part is None and len(prefix) + len(_base36(micros)) > NONCE_MAX_LENGTH:
        raise ValueError("job id too large for a nonce")
    return nonce


@dataclass(frozen=True, slots=True)
class JobContext:
    """One run of one occurrence of a job."""

    job_id: int
    kind: str
    payload: dict[str, Any]
    due_at: datetime  # the occurrence being run (stable across retries), aware UTC
    late: bool  # started later than the scheduler's lateness threshold (e.g. after downtime)
    nonce: str  # pass as ``nonce=`` to the message this run sends
    attempt: int  # 1 for the first attempt of this occurrence
    now: datetime  # the injected clock's time when the run started
    guild_id: int | None = None
    rule: str | None = None
    timezone: str = "UTC"

    def nonce_for(self, part: str | int) -> str:
        """A nonce for one of several messages this run sends (see :func:`job_nonce`)."""
        return job_nonce(self.job_id, self.due_at, part)


Handler = Callable[[JobContext], Awaitable[None]]
