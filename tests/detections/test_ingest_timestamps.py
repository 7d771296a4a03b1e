"""Capture time of an uploaded image: EXIF DateTimeOriginal in the location's timezone, stored as UTC."""

import io
from datetime import UTC, datetime

import pytest
from PIL import Image as PILImage

from detections.models import Image
from tests import factories
from tests.detections.helpers import upload

pytestmark = pytest.mark.django_db


def test_exif_time_is_read_in_the_location_timezone(bob_client):
    factories.location("Chicago Cam", timezone="America/Chicago")
    factories.location("Tokyo Cam", timezone="Asia/Tokyo")
    chicago = upload(
        bob_client,
        factories.jpeg_bytes(color=(1, 2, 3), exif_datetime="2024:07:04 06:30:00"),
        {"location": "Chicago Cam"},
    )
    tokyo = upload(
        bob_client,
        factories.jpeg_bytes(color=(4, 5, 6), exif_datetime="2024:07:04 06:30:00"),
        {"location": "Tokyo Cam"},
    )

    assert chicago.status_code == 201 and tokyo.status_code == 201
    # CDT is UTC-5 in July, JST is UTC+9
    assert Image.objects.get(pk=chicago.json()["id"]).taken_at == datetime(2024, 7, 4, 11, 30, tzinfo=UTC)
    assert Image.objects.get(pk=tokyo.json()["id"]).taken_at == datetime(2024, 7, 3, 21, 30, tzinfo=UTC)
    assert chicago.json()["exif"]["DateTimeOriginal"] == "2024:07:04 06:30:00"


def test_exif_time_follows_daylight_saving(bob_client):
    factories.location("Chicago Cam", timezone="America/Chicago")
    winter = upload(bob_client, factories.jpeg_bytes(exif_datetime="2024:01:15 06:30:00"), {"location": "Chicago Cam"})
    assert Image.objects.get(pk=winter.json()["id"]).taken_at == datetime(2024, 1, 15, 12, 30, tzinfo=UTC)


def test_exif_offset_written_by_the_camera_wins():
    from detections import imaging

    picture = PILImage.new("RGB", (32, 32))
    exif = PILImage.Exif()
    exif[0x8769] = {0x9003: "2024:07:04 06:30:00", 0x9011: "+02:00"}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif.tobytes())
    probe = imaging.probe(buffer)
    assert imaging.localize(probe.exif_datetime, None, probe.exif_offset) == datetime(2024, 7, 4, 4, 30, tzinfo=UTC)


def test_explicit_taken_at_wins_over_exif(bob_client, ranch):
    data = factories.jpeg_bytes(exif_datetime="2024:07:04 06:30:00")
    response = upload(bob_client, data, {"location": "Hayfield", "taken_at": "2024-07-05T00:00:00+00:00"})
    assert Image.objects.get(pk=response.json()["id"]).taken_at == datetime(2024, 7, 5, 0, 0, tzinfo=UTC)


def test_taken_at_without_offset_is_local_to_the_location(bob_client, ranch):
    response = upload(bob_client, factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": "2024-07-04T06:30:00"})
    assert Image.objects.get(pk=response.json()["id"]).taken_at == datetime(2024, 7, 4, 11, 30, tzinfo=UTC)


def test_time_from_the_file_name_when_there_is_no_exif(bob_client, ranch):
    response = upload(bob_client, factories.jpeg_bytes(), {"location": "Hayfield"}, name="CAM3_20241102_053015.JPG")
    assert response.status_code == 201, response.json()
    assert Image.objects.get().taken_at == datetime(2024, 11, 2, 10, 30, 15, tzinfo=UTC)
