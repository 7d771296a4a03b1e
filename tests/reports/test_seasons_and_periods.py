from datetime import date

import pytest

from reports.periods import periods_for, previous_range
from reports.seasons import season_dates, season_label


def test_rut_crosses_the_year():
    assert season_dates("rut", 2024) == (date(2024, 9, 1), date(2025, 1, 31))
    assert season_label("rut", 2024) == "Rut 2024/25"


@pytest.mark.parametrize(
    "name, year, expected",
    [
        ("spring", 2024, (date(2024, 3, 1), date(2024, 5, 31))),
        ("summer", 2024, (date(2024, 6, 1), date(2024, 8, 31))),
        ("fall", 2024, (date(2024, 9, 1), date(2024, 11, 30))),
        ("winter", 2023, (date(2023, 12, 1), date(2024, 2, 29))),  # leap year: to the end of February
        ("winter", 2024, (date(2024, 12, 1), date(2025, 2, 28))),
    ],
)
def test_seasons_from_settings(name, year, expected):
    assert season_dates(name, year) == expected


def test_seasons_follow_the_setting(settings):
    settings.SEASONS = {**settings.SEASONS, "rut": (10, 15, 12, 15)}
    assert season_dates("rut", 2024) == (date(2024, 10, 15), date(2024, 12, 15))


def test_unknown_season():
    with pytest.raises(ValueError, match="Unknown season: monsoon"):
        season_dates("monsoon", 2024)


def test_iso_week_53_and_clipping():
    # 2020 has ISO week 53 (Mon 28 Dec 2020 .. Sun 3 Jan 2021).
    periods = periods_for(date(2020, 12, 31), date(2021, 1, 4), "week")
    assert [(p.label, p.start, p.end, p.days) for p in periods] == [
        ("2020-W53", date(2020, 12, 31), date(2021, 1, 3), 4),
        ("2021-W01", date(2021, 1, 4), date(2021, 1, 4), 1),
    ]


def test_months_clipped_and_february_of_a_leap_year():
    periods = periods_for(date(2024, 1, 15), date(2024, 3, 10), "month")
    assert [(p.label, p.start, p.end) for p in periods] == [
        ("Jan 2024", date(2024, 1, 15), date(2024, 1, 31)),
        ("Feb 2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("Mar 2024", date(2024, 3, 1), date(2024, 3, 10)),
    ]


def test_one_year_of_weeks_has_53_buckets():
    periods = periods_for(date(2024, 1, 1), date(2024, 12, 31), "week")
    assert len(periods) == 53
    assert periods[-1].label == "2025-W01" and periods[-1].end == date(2024, 12, 31)
    assert sum(p.days for p in periods) == 366


def test_previous_range_has_equal_length():
    assert previous_range(date(2024, 3, 1), date(2024, 3, 31)) == (date(2024, 1, 30), date(2024, 2, 29))
