"""Named seasons (settings.SEASONS) resolved to inclusive date ranges."""

import calendar
from datetime import date

from django.conf import settings


def season_names():
    return sorted(settings.SEASONS)


def season_dates(name, year):
    """(start, end) of season `name` that starts in `year`; the end may fall in the next year.

    `rut` 2024 is 2024-09-01..2025-01-31; `winter` 2024 is 2024-12-01..2025-02-28 (29 in a leap
    year: a season ending on Feb 28 runs to the end of February).
    """
    try:
        start_month, start_day, end_month, end_day = settings.SEASONS[name]
    except KeyError:
        raise ValueError(f"Unknown season: {name}. Valid values: {', '.join(season_names())}") from None
    start = date(year, start_month, start_day)
    end_year = year + 1 if (end_month, end_day) < (start_month, start_day) else year
    last_day = calendar.monthrange(end_year, end_month)[1]
    if end_month == 2 and end_day >= 28:
        end_day = last_day
    end = date(end_year, end_month, min(end_day, last_day))
    return start, end


def season_label(name, year):
    start, end = season_dates(name, year)
    years = f"{start.year}" if start.year == end.year else f"{start.year}/{str(end.year)[-2:]}"
    return f"{'Rut' if name == 'rut' else name.capitalize()} {years}"
