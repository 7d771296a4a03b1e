"""Report periods: the calendar buckets (day, ISO week, month) of a date range, in TIME_ZONE.

Only dates are generated here (never detection rows); the selectors group in the database and
their bucket keys are matched to these periods by `period_key`.
"""

from dataclasses import dataclass
from datetime import date, timedelta

GROUP_BY_CHOICES = ("day", "week", "month")


def period_key(day, group_by):
    """The first day of the bucket holding `day` (ISO weeks start on Monday)."""
    if group_by == "day":
        return day
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return day.replace(day=1)
    raise ValueError(f"group_by must be one of: {', '.join(sorted(GROUP_BY_CHOICES))}")


@dataclass(frozen=True)
class Period:
    key: date
    start: date
    end: date
    label: str

    @property
    def days(self):
        return (self.end - self.start).days + 1


def _next_key(key, group_by):
    if group_by == "day":
        return key + timedelta(days=1)
    if group_by == "week":
        return key + timedelta(days=7)
    return (key.replace(day=28) + timedelta(days=4)).replace(day=1)


def _label(key, start, end, group_by):
    if group_by == "day":
        return start.isoformat()
    if group_by == "week":
        year, week, _ = key.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%b %Y")


def periods_for(start, end, group_by):
    """Every bucket touching [start, end], clipped to the range, including empty ones."""
    periods = []
    key = period_key(start, group_by)
    while key <= end:
        following = _next_key(key, group_by)
        first, last = max(key, start), min(following - timedelta(days=1), end)
        periods.append(Period(key=key, start=first, end=last, label=_label(key, first, last, group_by)))
        key = following
    return periods


def previous_range(start, end):
    """The range of equal length that ends the day before `start`."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)
