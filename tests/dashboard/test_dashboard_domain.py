import csv
import io
import itertools
from datetime import UTC, date, datetime, timedelta

from bot.dashboard.chart import Panel, cjk_font, render
from bot.dashboard.export import report_csv
from bot.dashboard.periods import Period, buckets
from bot.dashboard.report import MEASURES, build_report, measures
from bot.stats import PeriodStats

NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)  # two days after Berlin moved to summer time


def test_a_week_is_seven_local_days_and_the_dst_day_is_23_hours() -> None:
    parts = buckets(Period.WEEK, NOW, "Europe/Berlin")
    assert [p.first_day for p in parts] == [date(2026, 3, 25) + timedelta(days=i) for i in range(7)]
    lengths = {p.first_day: p.end - p.start for p in parts}
    assert lengths[date(2026, 3, 29)] == timedelta(hours=23)
    assert lengths[date(2026, 3, 28)] == timedelta(hours=24)
    assert parts[0].start == datetime(2026, 3, 24, 23, 0, tzinfo=UTC)  # local midnight, winter time
    assert parts[-1].end == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # end of today, summer time
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))


def test_month_quarter_and_year_cut_into_weeks_and_months() -> None:
    month = buckets(Period.MONTH, NOW, "UTC")
    assert len(month) == 5
    assert month[0].first_day.weekday() == 0
    assert len(buckets(Period.QUARTER, NOW, "UTC")) == 13
    year = buckets(Period.YEAR, NOW, "Asia/Shanghai")
    assert [p.first_day for p in year][:2] == [date(2025, 4, 1), date(2025, 5, 1)]
    assert year[-1].first_day == date(2026, 3, 1)
    assert len(year) == 12


def test_measures_count_members_once_and_leave_rates_empty_without_a_base() -> None:
    stats = PeriodStats.merge(
        [
            PeriodStats(
                {"pairs_made": 4, "pairs_connected": 3}, frozenset({1, 2}), frozenset({2}), frozenset({"CN"})
            ),
            PeriodStats(
                {"articles_shared": 5}, frozenset({2, 3}), frozenset(), frozenset({"US"}), frozenset({"en"})
            ),
            PeriodStats({"nps_promoters": 3, "nps_detractors": 1, "nps_answers": 6, "survey_sent": 10}),
        ]
    )
    figures = measures(stats)
    assert figures["active_members"] == 3
    assert figures["new_members"] == 1
    assert figures["countries"] == 2
    assert figures["connected_rate"] == 75.0
    assert figures["nps"] == 33  # (3 - 1) / 6
    assert figures["survey_response_rate"] == 0.0
    half = measures(PeriodStats({"nps_promoters": 3, "nps_detractors": 2, "nps_answers": 8}))
    assert half["nps"] == 13  # 12.5 rounds away from zero, as survey results show it
    empty = measures(PeriodStats())
    assert empty["connected_rate"] is None
    assert empty["nps"] is None


async def test_the_report_asks_for_the_period_the_one_before_and_each_bucket() -> None:
    asked: list[tuple[datetime, datetime]] = []

    async def source(guild_id: int, start: datetime, end: datetime) -> PeriodStats:
        asked.append((start, end))
        shared = sum(1 for day in range(365) if start <= NOW - timedelta(days=day) < end)
        return PeriodStats({"articles_shared": shared}, frozenset({guild_id}))

    report = await build_report(source, 7, Period.WEEK, NOW, "UTC")
    assert len(asked) == 2 + 7
    assert asked[1] == (report.start - timedelta(days=7), report.start)
    assert report.series["articles_shared"] == [1] * 7
    assert report.totals["articles_shared"] == 7
    assert report.previous["articles_shared"] == 7
    rows = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    assert rows[0][:3] == ["row", "from", "to"]
    assert rows[0][3:] == list(MEASURES)
    assert [row[0] for row in rows[1:]] == ["bucket"] * 7 + ["period", "previous"]
    assert rows[-2][3 + MEASURES.index("articles_shared")] == "7"


def test_the_chart_is_a_png_with_a_cjk_font() -> None:
    assert cjk_font() is not None  # from the mplfonts package, not the system
    png = render(
        "社区",
        ["1月", "2月"],
        [Panel("活跃成员", {"活跃": [1, None]}), Panel("NPS", {"NPS": [-5, 10]}, True)],
    )
    assert png.startswith(b"\x89PNG")
    assert len(png) > 10_000
