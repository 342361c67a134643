"""What check-in messages look like, in the locale the caller has set."""

from __future__ import annotations

from datetime import datetime

from bot import text
from bot.checkins.service import HelpAlert, Outcome, PostPlan
from bot.i18n import N_, _

PROMPT = N_("Check-in: how is it going?")
HOW = N_(
    "Press Done once you have been in touch (a short note is welcome), Snooze to be asked again "
    "later, or Need help to reach the moderators."
)
REFUSALS = {
    Outcome.NOT_MEMBER: N_("Only the members of this group can answer its check-ins."),
    Outcome.ENDED: N_("This has ended, so nothing was recorded. Thank you all the same!"),
    Outcome.GONE: N_("This check-in no longer exists, so nothing was recorded."),
    Outcome.ALREADY_DONE: N_("This check-in is already done, so there is nothing to snooze."),
    Outcome.HELP_ALREADY: N_("The moderators were already told about this check-in; someone will look in."),
    Outcome.NOT_IN_THREAD: N_("Run this in the thread of your group, where its check-ins are posted."),
}


def refusal(outcome: Outcome) -> str:
    return _(REFUSALS[outcome])


def thread_link(guild_id: int, thread_id: int | None) -> str:
    return f"https://discord.com/channels/{guild_id}/{thread_id}" if thread_id else "—"


def checkin_text(plan: PostPlan) -> str:
    return f"{_(plan.prompt or PROMPT)}\n{_(HOW)}"


def title(label: str, names: str) -> str:
    """A feature's group as moderators read it, e.g. the pen-pal group “Tom · Ana”."""
    return _("the {label} {names}").format(label=_(label), names=text.quote(names, 200))


def unposted_alert(plan: PostPlan, error: str) -> str:
    return _(
        "I could not post a check-in for {title} ({link}): {error}. Check that I may view that "
        "channel and send messages in its threads."
    ).format(
        title=title(plan.label, plan.title),
        link=thread_link(plan.guild_id, plan.thread_id),
        error=error[:200],
    )


def quiet_alert(plan: PostPlan) -> str:
    return _(
        "Quiet group: {title} has missed {count} check-ins in a row and is now marked quiet: "
        "{link}. I will not tell you again until its members answer a check-in."
    ).format(
        title=title(plan.label, plan.title),
        count=plan.missed_in_row,
        link=thread_link(plan.guild_id, plan.thread_id),
    )


def help_alert(user_id: int, alert: HelpAlert) -> str:
    return _("<@{user}> asked for help in a check-in of {title}: {link}").format(
        user=user_id, title=title(alert.label, alert.title), link=thread_link(alert.guild_id, alert.thread_id)
    )


def snoozed(again: datetime) -> str:
    return _("Snoozed: I will ask again {when}.").format(when=f"<t:{int(again.timestamp())}:R>")
