"""NPS arithmetic at its edges, response rates, and when surveys fall."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.inputs import InputError
from bot.surveys import rules


def test_no_answers_has_no_score_not_a_score_of_zero() -> None:
    figures = rules.nps([])
    assert figures.answers == 0
    assert figures.score is None


def test_all_passives_score_zero() -> None:
    assert rules.nps([7, 8, 7, 8]).score == 0


def test_all_promoters_and_all_detractors_are_the_extremes() -> None:
    assert rules.nps([9, 10, 10]).score == 100
    assert rules.nps([0, 6, 3]).score == -100


def test_the_category_edges_six_seven_eight_nine() -> None:
    figures = rules.nps([6, 7, 8, 9])
    assert (figures.detractors, figures.passives, figures.promoters) == (1, 2, 1)
    assert figures.score == 0


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([10] + [7] * 7, 13),  # 12.5 rounds away from zero
        ([0] + [7] * 7, -13),  # -12.5 too (Python's round() would give -12)
        ([10, 7, 7], 33),  # 33.33
        ([10, 10, 7], 67),  # 66.67
        ([10, 0, 7], 0),
        ([10, 10, 0], 33),
    ],
)
def test_rounding(scores: list[int], expected: int) -> None:
    assert rules.nps(scores).score == expected


def test_a_score_outside_zero_to_ten_is_a_bug_not_a_passive() -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        rules.nps([11])
    with pytest.raises(ValueError, match="0 to 10"):
        rules.check_score(-1)


def test_response_rate() -> None:
    assert rules.percent(0, 0) is None
    assert rules.percent(1, 3) == 33
    assert rules.percent(2, 3) == 67
    assert rules.percent(1, 8) == 13
    assert rules.percent(5, 5) == 100


def test_quarterly_surveys_fall_on_the_first_of_january_april_july_october_at_ten() -> None:
    friday = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    assert rules.next_survey_at(friday, 3, "Europe/Berlin") == datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    first = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    assert rules.next_survey_at(first, 3, "Europe/Berlin") == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    autumn = datetime(2026, 11, 5, tzinfo=UTC)
    assert rules.next_survey_at(autumn, 3, "Asia/Shanghai") == datetime(2027, 1, 1, 2, 0, tzinfo=UTC)


def test_other_cadences() -> None:
    after = datetime(2026, 3, 27, tzinfo=UTC)
    assert rules.next_survey_at(after, 1, "UTC") == datetime(2026, 4, 1, 10, tzinfo=UTC)
    assert rules.next_survey_at(after, 6, "UTC") == datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert rules.next_survey_at(after, 12, "UTC") == datetime(2027, 1, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="cadence"):
        rules.next_survey_at(after, 5, "UTC")


def test_window_and_cadence_refusals_say_what_to_fix() -> None:
    with pytest.raises(InputError) as refused:
        rules.check_window(0)
    assert "1 to 60 days" in refused.value.render()
    assert rules.check_window(60) == 60
    with pytest.raises(InputError):
        rules.check_cadence(5)
    assert rules.check_cadence(0) == 0
