"""The dashboard's figures behind its charts: sessions per month, and the charts' shapes."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from supforms.pipeline.records.opening import open_store
from supforms.pipeline.records.trends import sessions_by_month
from supforms.pipeline.web.charts import columns, horizontal_bars

from tests.pipeline.compliance_fixture import Person, archive_people


def test_sessions_per_month_count_the_formal_sessions_compliance_counts(tmp_path: Path) -> None:
    on = date(2026, 6, 30)
    days = [on - timedelta(days=n) for n in (1, 20, 45, 80, 200, 330, 400)]  # 400: too old
    kept, other = Person("Kept Person", "Sue"), Person("Other Person", "Sue")
    kept.agreement("2025-01-01", 12, 4)
    for day in days:
        kept.session(day.isoformat())
        other.session(day.isoformat())  # not asked about
    kept.session("2026-06-15", formal=False)  # informal: listed, never counted
    kept.session("2026-07-02")  # after the day asked about
    store = open_store(f"sqlite:///{tmp_path / 'records.db'}")
    try:
        archive_people(store, [kept, other])
        months = sessions_by_month(store, on, ["kept  PERSON"])  # names as compliance matches
    finally:
        store.close()
    assert [first for first, _ in months] == [date(2025, m, 1) for m in range(7, 13)] + [
        date(2026, m, 1) for m in range(1, 7)
    ]
    expected = Counter((d.year, d.month) for d in days if d > date(2025, 7, 1))
    assert {(f.year, f.month): n for f, n in months if n} == dict(expected)


def test_bars_are_as_long_as_their_values_and_an_empty_chart_draws() -> None:
    chart = horizontal_bars([("East", 75.0, "75%"), ("West", 25.0, "25%")], 100)
    east, west = chart.bars
    assert abs(east.width - 3 * west.width) < 0.01
    assert [b.value for b in chart.bars] == ["75%", "25%"]
    assert horizontal_bars([], 0).bars == []
    flat = columns([("Jan", 0), ("Feb", 0)], None)
    assert [b.value for b in flat.bars] == ["0", "0"]
    assert flat.ticks == []
    tall = columns([("Jan", 2), ("Feb", 4)], 3.0)
    assert tall.bars[1].height == 2 * tall.bars[0].height
    assert tall.ticks[0][2] == "agreed 3"
