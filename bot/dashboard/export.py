"""The dashboard's figures as CSV: one row per bucket, then the whole period and the one before."""

from __future__ import annotations

import csv
import io

from bot.dashboard.report import MEASURES, Report


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def report_csv(report: Report) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs open Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "from", "to", *MEASURES])
    for index, bucket in enumerate(report.buckets):
        writer.writerow(
            [
                "bucket",
                bucket.start.isoformat(),
                bucket.end.isoformat(),
                *(_cell(report.series[name][index]) for name in MEASURES),
            ]
        )
    previous_start = report.start - (report.end - report.start)
    writer.writerow(
        [
            "period",
            report.start.isoformat(),
            report.end.isoformat(),
            *(_cell(report.totals[n]) for n in MEASURES),
        ]
    )
    writer.writerow(
        [
            "previous",
            previous_start.isoformat(),
            report.start.isoformat(),
            *(_cell(report.previous[n]) for n in MEASURES),
        ]
    )
    return ("\ufeff" + out.getvalue()).encode()
