"""Durable jobs: "do X at time T, maybe again every ...", once, across restarts and processes.

The database (``scheduled_jobs``) is the source of truth; APScheduler only wakes the dispatcher.

Wiring, in short::

    scheduler = JobScheduler(database, clock, owner=default_owner())
    scheduler.register("round.open", open_round, max_lateness=timedelta(hours=1))
    await scheduler.start()          # once the bot is ready: runs what came due while down
    await scheduler.schedule("round.open", {"round": 7}, due_at, dedupe_key="round:7:open", guild_id=g)
    await scheduler.schedule("digest", {}, rule="weekly mon 09:00", timezone="Europe/Berlin")
    ...
    await scheduler.stop()

A handler sends with ``await channel.send(..., nonce=context.nonce)`` (discord.py then sets
``enforce_nonce``), or ``context.nonce_for(part)`` when it sends several messages. With a
ManualClock, ``await scheduler.advance(clock, delta)`` moves time and runs every job on the way.
"""

from bot.scheduler.context import Handler, JobContext, JobDeferred, PermanentJobError, job_nonce
from bot.scheduler.models import JobState, ScheduledJob
from bot.scheduler.recurrence import RecurrenceError, next_occurrence, parse_rule, resolve_local
from bot.scheduler.service import JobScheduler, default_owner, exponential_backoff

__all__ = [
    "Handler",
    "JobContext",
    "JobDeferred",
    "JobScheduler",
    "JobState",
    "PermanentJobError",
    "RecurrenceError",
    "ScheduledJob",
    "default_owner",
    "exponential_backoff",
    "job_nonce",
    "next_occurrence",
    "parse_rule",
    "resolve_local",
]
