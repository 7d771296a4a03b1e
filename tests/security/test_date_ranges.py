"""Finding 2: dates outside 1970-01-01..2100-12-31 are a clear 400 everywhere, never an OverflowError."""

import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from PIL import Image as PILImage

from core.timeutil import SUPPORTED_DATES
from detections.models import Image
from tests import factories
from tests.detections.helpers import upload

pytestmark = pytest.mark.django_db


def jpeg_with_exif(taken="2024:10:15 06:30:15", offset=None, color=(90, 120, 60)):
    exif = PILImage.Exif()
    tags = {0x9003: taken}
    if offset is not None:
        tags[0x9011] = offset  # OffsetTimeOriginal
    exif[0x8769] = tags
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), color).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "start_date=0001-01-01&end_date=0001-01-31",
            f"start_date must be between {SUPPORTED_DATES} (got 0001-01-01).",
        ),
        (
            "start_date=1969-12-01&end_date=1969-12-31",
            f"start_date must be between {SUPPORTED_DATES} (got 1969-12-01).",
        ),
        ("start_date=9999-12-01&end_date=9999-12-31", "start_date cannot be in the future"),  # VR-004 comes first
    ],
)
def test_activity_report_refuses_dates_outside_the_supported_range(alice_client, query, message):
    response = alice_client.get(f"/api/reports/activity?{query}")
    assert response.status_code == 400
    assert response.json()["detail"] == message


def test_report_page_shows_the_range_error(alice):
    browser = Client()
    browser.force_login(alice)
    response = browser.get("/reports/?submitted=1&start_date=0001-01-01&end_date=0001-01-31&group_by=month")
    assert response.status_code == 400  # the form with its errors, as for any other invalid range
    assert f"must be between {SUPPORTED_DATES}" in response.content.decode()


def test_pdf_export_with_year_one_is_refused_at_post(alice_client):
    response = alice_client.post(
        "/api/exports/pdf",
        {"report_type": "seasonal_activity", "start_date": "0001-01-01", "end_date": "0001-01-31"},
        format="json",
    )
    assert response.status_code == 400
    assert f"must be between {SUPPORTED_DATES}" in response.json()["detail"]


@pytest.mark.parametrize("taken_at", ["9999-12-31T23:59:59", "0001-01-01T00:00:00+14:00", "2101-01-01T00:00:00Z"])
def test_upload_refuses_taken_at_outside_the_range(bob_client, taken_at):
    factories.location("Hayfield", timezone="America/Chicago")
    response = upload(bob_client, factories.jpeg_bytes(64, 48), {"location": "Hayfield", "taken_at": taken_at})
    assert response.status_code == 400
    assert response.json()["errors"]["metadata.taken_at"] == [
        f"taken_at must be between {SUPPORTED_DATES} (got {datetime.fromisoformat(taken_at).isoformat()})."
    ]
    assert not Image.objects.exists()


@pytest.mark.parametrize("taken", ["9999:12:31 23:59:59", "0001:01:01 00:00:00"])
def test_upload_refuses_exif_time_outside_the_range(bob_client, taken):
    factories.location("Hayfield", timezone="Pacific/Kiritimati")
    response = upload(bob_client, jpeg_with_exif(taken), {"location": "Hayfield"})
    assert response.status_code == 400
    assert "The EXIF DateTimeOriginal must be between" in response.json()["errors"]["metadata.taken_at"][0]


def test_an_impossible_exif_offset_is_ignored_for_the_location_zone(bob_client):
    factories.location("Hayfield", timezone="America/Chicago")
    response = upload(bob_client, jpeg_with_exif("2024:10:15 06:30:15", "+99:99"), {"location": "Hayfield"})
    assert response.status_code == 201, response.json()
    assert Image.objects.get().taken_at == datetime(2024, 10, 15, 11, 30, 15, tzinfo=UTC)


def test_a_real_exif_offset_is_still_used(bob_client):
    factories.location("Hayfield", timezone="America/Chicago")
    response = upload(bob_client, jpeg_with_exif("2024:10:15 06:30:15", "+02:00"), {"location": "Hayfield"})
    assert response.status_code == 201, response.json()
    assert Image.objects.get().taken_at == datetime(2024, 10, 15, 4, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize("query", ["end_date=9999-12-31", "start_date=0001-01-01", "taken_before=9999-12-31T23:59:59"])
@pytest.mark.parametrize("path", ["/api/images", "/api/detections"])
def test_list_filters_refuse_dates_outside_the_range(alice_client, path, query):
    response = alice_client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert f"must be between {SUPPORTED_DATES}" in str(response.json())


@pytest.mark.parametrize(
    "value",
    ["0570-04-06T17:50:07-23:52", "2024-01-01T00:00:00-23:00", "9999-12-31T23:59:59"],
)
def test_generated_list_filters_refuse_dates_the_database_cannot_hold(alice_client, value):
    """Found by the fuzz run on PostgreSQL: /api/deer/?last_seen__gte=<year 570, offset -23:52> was a 500.
    Every FilterSet generated from filterset_fields uses the supported-range filters (core.filters)."""
    response = alice_client.get("/api/deer/", {"last_seen__gte": value})
    assert response.status_code == 400
    assert "last_seen__gte" in response.json()["errors"]
    assert alice_client.get("/api/deer/", {"last_seen__gte": "2024-01-01T00:00:00-06:00"}).status_code == 200
