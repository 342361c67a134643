"""The seeking job kind: telling both posters about a fit, written with the fit it belongs to."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import N_

FIT = "seeking.fit"
LABEL = N_("seeking-a-sister fit message")
# A fit told a week late is still worth telling; later than that, the next command shows it.
MAX_LATENESS = timedelta(days=7)


def fit_key(fit_id: int) -> str:
    return f"{FIT}:{fit_id}"
