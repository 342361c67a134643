"""Programme pauses: a server stops one programme (or all) for a while, then resumes it.

While a feature is paused in a server, its jobs there do not run: the feature registry wraps
every job handler of a pausable feature, and a job of a paused server is deferred by
:data:`DEFER_BY` (see :class:`bot.scheduler.JobDeferred`). On resume the server's deferred jobs of
the resumed features are made due at once, so a round paused over its date runs once, on
resume, not once per hour missed. No Discord here: the console renders the outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import Clock
from bot.db import Database
from bot.db.base import Base
from bot.i18n import N_
from bot.inputs import check_length
from bot.scheduler import JobScheduler, store

ALL = "*"  # the feature name of a pause of every programme
REASON_MAX = 200
DEFER_BY = timedelta(hours=1)
DEFER_REASON = "programme paused"
UNPAUSED_TTL = timedelta(seconds=5)
# Servers found with no pause, per database, until when (see is_paused).
_unpaused: WeakKeyDictionary[Database, dict[int, datetime]] = WeakKeyDictionary()


class ProgrammePause(Base):
    """One paused programme of one server (``feature`` is a feature name, or ``*`` for all)."""

    __tablename__ = "programme_pauses"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    feature: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused_by: Mapped[int | None] = mapped_column(BigInteger)
    paused_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))


@dataclass(frozen=True, slots=True)
class Pause:
    feature: str
    paused_by: int | None
    paused_at: datetime
    reason: str | None

    @property
    def everything(self) -> bool:
        return self.feature == ALL


class PauseOutcome(StrEnum):
    PAUSED = "paused"
    ALREADY_PAUSED = "already_paused"  # nothing changed


class ResumeOutcome(StrEnum):
    RESUMED = "resumed"
    NOT_PAUSED = "not_paused"  # nothing changed
    # The feature's own pause is gone, but every programme is still paused.
    STILL_PAUSED_BY_ALL = "still_paused_by_all"


@dataclass(frozen=True, slots=True)
class ResumeResult:
    outcome: ResumeOutcome
    pulled: int = 0  # deferred jobs made due now
    resumed: tuple[str, ...] = ()  # the features that run again


def _pause(row: ProgrammePause) -> Pause:
    return Pause(row.feature, row.paused_by, row.paused_at, row.reason)


async def list_pauses(database: Database, guild_id: int) -> list[Pause]:
    """The server's pauses, "all" first, then by feature name."""
    async with database.session() as session:
        rows = (
            await session.scalars(select(ProgrammePause).where(ProgrammePause.guild_id == guild_id))
        ).all()
    pauses = [_pause(row) for row in rows]
    pauses.sort(key=lambda pause: (not pause.everything, pause.feature))
    return pauses


async def is_paused(database: Database, guild_id: int, feature: str, *, now: datetime | None = None) -> bool:
    """Whether ``feature`` does not run in the server: paused itself, or every programme is.

    With ``now`` (the job wrapper's case: it asks before every job run), a server found with no
    pause at all is remembered for :data:`UNPAUSED_TTL`, so most runs cost no query (on SQLite
    every transaction takes the write lock). A pause made in this process is seen at once; one
    made by another process within that time. A paused server is always asked again, so a
    resume takes effect at once everywhere.
    """
    known = _unpaused.get(database)
    if now is not None and known is not None:
        until = known.get(guild_id)
        if until is not None and now < until:
            return False
    async with database.session() as session:
        paused = set(
            await session.scalars(select(ProgrammePause.feature).where(ProgrammePause.guild_id == guild_id))
        )
    if not paused:
        if now is not None:
            _unpaused.setdefault(database, {})[guild_id] = now + UNPAUSED_TTL
        return False
    return feature in paused or ALL in paused


def _forget_unpaused(database: Database, guild_id: int) -> None:
    known = _unpaused.get(database)
    if known is not None:
        known.pop(guild_id, None)


async def pause(
    database: Database,
    clock: Clock,
    guild_id: int,
    feature: str,
    *,
    by: int | None,
    reason: str | None = None,
) -> PauseOutcome:
    """Pause ``feature`` (or :data:`ALL`) in the server. A reason longer than
    :data:`REASON_MAX` is refused with an InputError, and nothing changes."""
    reason = (reason or "").strip() or None
    if reason is not None:
        check_length(reason, REASON_MAX, N_("a reason"))
    async with database.session() as session:
        existing = await session.get(ProgrammePause, (guild_id, feature))
        if existing is None:
            session.add(
                ProgrammePause(
                    guild_id=guild_id, feature=feature, paused_by=by, paused_at=clock.now(), reason=reason
                )
            )
    _forget_unpaused(database, guild_id)  # after the commit: a check meanwhile saw no pause
    return PauseOutcome.PAUSED if existing is None else PauseOutcome.ALREADY_PAUSED


async def resume(
    database: Database,
    clock: Clock,
    scheduler: JobScheduler,
    guild_id: int,
    feature: str,
    kinds: Mapping[str, Sequence[str]],
) -> ResumeResult:
    """Lift the pause of ``feature`` (:data:`ALL`: every pause of the server) and run the
    server's deferred jobs of the features that now run again at once.

    ``kinds``: every pausable feature's name and its job kinds.
    """
    now = clock.now()
    async with database.session() as session:
        rows = (
            await session.scalars(select(ProgrammePause).where(ProgrammePause.guild_id == guild_id))
        ).all()
        before = {row.feature for row in rows}
        if feature == ALL:
            if not before:
                return ResumeResult(ResumeOutcome.NOT_PAUSED)
            await session.execute(delete(ProgrammePause).where(ProgrammePause.guild_id == guild_id))
            after: set[str] = set()
        else:
            if feature not in before:
                outcome = ResumeOutcome.STILL_PAUSED_BY_ALL if ALL in before else ResumeOutcome.NOT_PAUSED
                return ResumeResult(outcome)
            await session.execute(
                delete(ProgrammePause).where(
                    ProgrammePause.guild_id == guild_id, ProgrammePause.feature == feature
                )
            )
            after = before - {feature}
        was_paused = {name for name in kinds if ALL in before or name in before}
        running = tuple(name for name in kinds if name in was_paused and not {ALL, name} & after)
        job_kinds = [kind for name in running for kind in kinds[name]]
        pulled = await store.pull_deferred(session, guild_id, job_kinds, now=now)
    if pulled:
        await scheduler.notify(now)
    if feature != ALL and ALL in after:
        return ResumeResult(ResumeOutcome.STILL_PAUSED_BY_ALL, pulled, running)
    return ResumeResult(ResumeOutcome.RESUMED, pulled, running)


async def erase_moderator(database: Database, guild_id: int, user_id: int) -> int:
    """Forget who paused (for /privacy delete of that moderator); the pauses stay."""
    async with database.session() as session:
        rows = (
            await session.scalars(
                select(ProgrammePause).where(
                    ProgrammePause.guild_id == guild_id, ProgrammePause.paused_by == user_id
                )
            )
        ).all()
        for row in rows:
            row.paused_by = None
    return len(rows)
