"""The pen-pal input rules as commands use them: a broken rule becomes the member's refusal.

The rules live in :mod:`bot.penpal.rules`; here each :class:`InputError` is translated in the
member's language and raised as the :class:`UserFacingError` the error handler shows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from bot.errors import UserFacingError
from bot.inputs import InputError
from bot.penpal import rules
from bot.penpal.rules import ProfileChoices, ProfileText

__all__ = [
    "InputError",
    "ProfileChoices",
    "ProfileText",
    "check_choices",
    "check_languages",
    "check_profile_text",
    "check_rating_comment",
    "parse_interests",
    "parse_pause_until",
    "refusal",
]

P = ParamSpec("P")
R = TypeVar("R")


def refusal(error: InputError) -> UserFacingError:
    return UserFacingError(error.render())


def _refusing(rule: Callable[P, R]) -> Callable[P, R]:
    @wraps(rule)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return rule(*args, **kwargs)
        except InputError as error:
            raise refusal(error) from None

    return checked


check_choices = _refusing(rules.check_choices)
check_languages = _refusing(rules.check_languages)
check_profile_text = _refusing(rules.check_profile_text)
check_rating_comment = _refusing(rules.check_rating_comment)
parse_interests = _refusing(rules.parse_interests)
parse_pause_until = _refusing(rules.parse_pause_until)
