"""The survey job kinds and their keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import N_

OPEN = "survey.open"  # a survey starts: record it, invite every opted-in member
INVITE = "survey.invite"  # the DMs of one batch of members (paced; each member's DM sent once)
CLOSE = "survey.close"  # the window ends: moderators get the figures

LABELS = {
    OPEN: N_("survey start"),
    INVITE: N_("survey invitation"),
    CLOSE: N_("survey closing"),
}
# None: always run. The open job carries the chain of surveys on (it skips a survey the bot
# missed entirely); an invitation checks the survey is still open; closing reports late rather
# than never.
MAX_LATENESS: dict[str, timedelta | None] = {OPEN: None, INVITE: None, CLOSE: None}


def open_key(guild_id: int, generation: int, at: datetime) -> str:
    return f"{OPEN}:{guild_id}:{generation}:{at.astimezone(UTC).isoformat()}"


# Members per invitation job: a survey for 1,000 members is 40 jobs written in one short
# transaction, each sending its 25 DMs at the bot's pace (about 2 seconds at 40 requests a second).
INVITE_BATCH = 25


def invite_key(survey_id: int, batch: int) -> str:
    return f"{INVITE}:{survey_id}:{batch}"


def close_key(survey_id: int) -> str:
    return f"{CLOSE}:{survey_id}"
