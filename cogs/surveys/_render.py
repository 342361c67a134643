"""What survey messages look like. Text is translated in the locale the caller has set; every
piece that reaches Discord is fitted to its limits here or in :mod:`bot.delivery`."""

from __future__ import annotations

from fractions import Fraction

import discord

from bot import text
from bot.i18n import N_, _, command_mention
from bot.surveys import rules
from bot.surveys.service import Answer, Answered, PartnershipRef, Results, SettingsView, SurveyFigures
from bot.timefmt import both, discord_timestamp

# Months between surveys, as moderators pick them (0: none).
CADENCES = {
    1: N_("Every month"),
    2: N_("Every two months"),
    3: N_("Every quarter"),
    4: N_("Every four months"),
    6: N_("Twice a year"),
    12: N_("Once a year"),
    0: N_("Never (no surveys)"),
}
COMMENT_LINES_MAX = 40


def command(path: str) -> str:
    return command_mention(path)


def privacy_note() -> str:
    return _("Answers are private: moderators see only totals, and comments without names.")


def survey_question(server: str, number: int, closes_at: str) -> str:
    return "\n".join(
        (
            _("**{server}: survey #{number}**").format(server=server, number=number),
            _(
                "How likely are you to recommend this community to a colleague? Tap a number: "
                "0 = not at all likely, 10 = extremely likely."
            ),
            _("You can answer until {when}; a second answer replaces the first.").format(when=closes_at),
            privacy_note(),
            _("Signed up by mistake? {command} stops these surveys.").format(
                command=command("survey opt-out")
            ),
        )
    )


def partnership_question(partnership: PartnershipRef) -> str:
    name = discord.utils.escape_markdown(text.fit(text.single_line(partnership.name), 200))
    return _("How is the partnership going? **{name}**\n1 = not well at all, 5 = very well.").format(
        name=name
    )


def refusal(answered: Answered) -> str:
    if answered.outcome == Answer.CLOSED and answered.closes_at is not None:
        return _(
            "This survey closed on {when}, so this answer was not saved. Thank you all the same: "
            "the next survey will come by direct message."
        ).format(when=discord_timestamp(answered.closes_at, "f"))
    if answered.outcome == Answer.NEEDS_SCORE:
        return _("Pick a number from 0 to 10 first, then add your comment.")
    return _("This survey was not sent to you, so nothing was saved.")


def score_saved(answered: Answered, score: int) -> str:
    if answered.outcome == Answer.REPLACED:
        return _("Updated: your answer is now {score} of 10. It replaces your earlier answer.").format(
            score=score
        )
    return _(
        "Thank you! Your answer ({score} of 10) is saved. You can change it until the survey closes: "
        "a second answer replaces this one. A comment is welcome too."
    ).format(score=score)


def stars_saved(answered: Answered, stars: int) -> str:
    if answered.outcome == Answer.REPLACED:
        return _("Updated: your rating is now {stars} of 5. It replaces your earlier rating.").format(
            stars=stars
        )
    return _("Thank you! Your rating ({stars} of 5) is saved; a second answer replaces it.").format(
        stars=stars
    )


def comment_saved(answered: Answered, comment: str) -> str:
    if not comment:
        return _("Your comment is removed; your score stays.")
    if answered.outcome == Answer.REPLACED:
        return _("Your new comment replaces the earlier one. Moderators see it without your name.")
    return _("Thank you, your comment is saved. Moderators see it without your name.")


# -- moderators ---------------------------------------------------------------------------------


def settings_text(view: SettingsView) -> str:
    if not view.every_months:
        head = _("No surveys are scheduled.")
    else:
        head = _("How often: {cadence}. Each survey stays open {days} days. Next survey: {when}.").format(
            cadence=_(CADENCES[view.every_months]),
            days=view.window_days,
            when=both(view.next_survey_at, view.timezone) if view.next_survey_at else "—",
        )
    members = _("Members signed up: {count}.").format(count=view.opted_in)
    return f"{head} {members}"


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else ("−" + str(-value) if value < 0 else "0")


def _average(value: Fraction) -> str:
    return f"{float(value):.1f}"


def _survey_lines(survey: SurveyFigures, timezone: str) -> str:
    rate = survey.response_rate
    lines = [
        _("Answers: {answered} of {invited} members invited ({rate}); {unreached} not reached.").format(
            answered=survey.answered,
            invited=survey.invited,
            rate="—" if rate is None else f"{rate}%",
            unreached=survey.unreached,
        )
    ]
    if not survey.shown:
        lines.append(
            _("NPS: not shown below {count} answers, so that no answer can be traced to anyone.").format(
                count=rules.MIN_ANSWERS_SHOWN
            )
        )
    else:
        nps = survey.nps
        lines.append(
            _(
                "NPS: {score} (promoters: {promoters}, passives: {passives}, detractors: {detractors})."
            ).format(
                score=_signed(nps.score or 0),
                promoters=nps.promoters,
                passives=nps.passives,
                detractors=nps.detractors,
            )
        )
        if survey.partnership_average is not None and survey.partnership_answers >= rules.MIN_ANSWERS_SHOWN:
            lines.append(
                _("Partnerships: {average} of 5 on average ({count} answers).").format(
                    average=_average(survey.partnership_average), count=survey.partnership_answers
                )
            )
    state = _("Open until {when}.") if survey.is_open else _("Closed on {when}.")
    lines.append(state.format(when=both(survey.closes_at, timezone)))
    return "\n".join(lines)


def results_embeds(results: Results) -> list[discord.Embed]:
    timezone = results.settings.timezone
    summary = [settings_text(results.settings)]
    trend = results.trend()
    if trend is not None:
        summary.append(_("Trend: NPS {change} since the survey before.").format(change=_signed(trend)))
    if not results.surveys:
        summary.append(_("No survey has gone out yet."))
    embed = discord.Embed(title=_("Survey results"), description="\n".join(summary))
    for survey in results.surveys:
        embed.add_field(
            name=_("Survey #{number}").format(number=survey.number),
            value=_survey_lines(survey, timezone),
            inline=False,
        )
    embeds = [embed]
    newest = results.surveys[0] if results.surveys else None
    if newest is not None and newest.shown and newest.comments:
        lines = [f"> {discord.utils.escape_markdown(text.single_line(c))}" for c in newest.comments]
        embeds.append(
            discord.Embed(
                title=_("Comments on survey #{number}, without names").format(number=newest.number),
                description=text.fit("\n".join(lines[:COMMENT_LINES_MAX]), text.EMBED_DESCRIPTION),
            )
        )
    return embeds


def closing_text(survey: SurveyFigures) -> str:
    rate = survey.response_rate
    head = _(
        "Survey #{number} has closed: {answered} of {invited} members answered ({rate}); {unreached} "
        "could not be reached (direct messages closed)."
    ).format(
        number=survey.number,
        answered=survey.answered,
        invited=survey.invited,
        rate="—" if rate is None else f"{rate}%",
        unreached=survey.unreached,
    )
    if survey.shown:
        figures = _("NPS: {score}.").format(score=_signed(survey.nps.score or 0))
    else:
        figures = _("NPS: not shown below {count} answers.").format(count=rules.MIN_ANSWERS_SHOWN)
    more = _("Details: {command}.").format(command=command("survey-admin results"))
    return f"{head} {figures} {more}"


def refusal_unknown() -> str:
    return _("This form is out of date. Nothing was saved.")
