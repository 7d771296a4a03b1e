"""Time helpers: local days in settings.TIME_ZONE, ISO 8601 in UTC with a Z."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.test import override_settings

from core.timeutil import as_local_date, day_bounds, day_start, local_today, local_zone, utc_iso

CHICAGO = "America/Chicago"


@override_settings(TIME_ZONE=CHICAGO)
def test_day_bounds_follow_daylight_saving_in_the_site_zone():
    low, high = day_bounds(date(2024, 3, 10), date(2024, 3, 10))  # clocks go forward at 02:00
    assert low == datetime(2024, 3, 10, 6, tzinfo=UTC)
    assert high == datetime(2024, 3, 11, 5, tzinfo=UTC)
    assert high.astimezone(UTC) - low.astimezone(UTC) == timedelta(hours=23)
    assert day_start(date(2024, 11, 3)) == datetime(2024, 11, 3, 5, tzinfo=UTC)


def test_local_today_and_zone_read_the_setting_at_call_time():
    with override_settings(TIME_ZONE="Pacific/Kiritimati"):
        assert local_zone() == ZoneInfo("Pacific/Kiritimati")
        assert local_today() == datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    with override_settings(TIME_ZONE="Pacific/Pago_Pago"):
        assert local_today() == datetime.now(ZoneInfo("Pacific/Pago_Pago")).date()


@override_settings(TIME_ZONE=CHICAGO)
def test_as_local_date_converts_instants_and_passes_dates_through():
    assert as_local_date(datetime(2024, 10, 16, 3, 0, tzinfo=UTC)) == date(2024, 10, 15)
    assert as_local_date(date(2024, 10, 16)) == date(2024, 10, 16)
    assert as_local_date("2024-10-16 00:00:00") == date(2024, 10, 16)


def test_utc_iso_ends_in_z_at_the_asked_precision():
    moment = datetime(2024, 10, 15, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_iso(moment) == "2024-10-15T17:00:00Z"
    assert utc_iso(moment, timespec="milliseconds") == "2024-10-15T17:00:00.123Z"
    assert utc_iso().endswith("Z")
