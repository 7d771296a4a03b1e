"""Time helpers: the site's zone (settings.TIME_ZONE), its calendar days, and ISO 8601 in UTC.

Dates a user gives (report ranges, filters) are local dates in settings.TIME_ZONE; instants are
stored in UTC. These helpers read the setting on every call, so override_settings works in tests.

Every date and date-time a request or a file gives (report and export ranges, filters, capture
times, EXIF) must lie in SUPPORTED_DATES, 1970-01-01..2100-12-31: far enough from datetime's limits
that any time zone conversion or a day added or subtracted cannot overflow. `outside_supported`
says why a value is refused.
"""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings

EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2100, 12, 31)
SUPPORTED_DATES = f"{EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"


def outside_supported(value, name):
    """None when the date (or the calendar date of a datetime, as given) lies in the supported range,
    else the message: "<name> must be between 1970-01-01 and 2100-12-31 (got ...)"."""
    day = value.date() if isinstance(value, datetime) else value
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"{name} must be between {SUPPORTED_DATES} (got {value.isoformat()})."


def local_zone():
    """The site's zone, settings.TIME_ZONE (not the server clock's zone, not the request's)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_today():
    """Today's date in settings.TIME_ZONE."""
    return datetime.now(local_zone()).date()


def day_start(day):
    """The aware instant a local calendar day starts: 00:00 in settings.TIME_ZONE."""
    return datetime.combine(day, time.min, local_zone())


def day_bounds(start, end):
    """Aware datetimes [start 00:00, day after end 00:00) in TIME_ZONE for inclusive dates."""
    return day_start(start), day_start(end + timedelta(days=1))


def as_local_date(value):
    """A date or aware datetime (as the database hands back truncations) as a date in TIME_ZONE."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(local_zone())
        return value.date()
    if isinstance(value, str):  # SQLite may hand back text for some expressions
        return date.fromisoformat(value[:10])
    return value


def utc_iso(moment=None, timespec="seconds"):
    """ISO 8601 in UTC with a Z: 2024-10-15T17:00:00Z (now when moment is None)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")
