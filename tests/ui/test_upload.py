"""Upload in the browser, the server side: one file per request through the ingest service;
accepted, duplicate or refused with the reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from detections.models import Image
from tests import factories

pytestmark = pytest.mark.django_db


def jpeg(name, color=(90, 120, 60)):
    return SimpleUploadedFile(
        name, factories.jpeg_bytes(color=color, exif_datetime="2024:10:03 06:15:00"), "image/jpeg"
    )


def test_upload_accepts_then_reports_the_duplicate_and_refuses_a_non_image(client, bob, settings):
    loc = factories.location("Hayfield")
    client.force_login(bob)
    first = client.post("/upload/file", {"location": loc.pk, "file": jpeg("IMG_0001.JPG")})
    assert first.status_code == 201 and first.json()["result"] == "accepted"
    image = Image.objects.get()
    assert (image.location, image.filename, image.taken_at.isoformat()) == (
        loc,
        "IMG_0001.JPG",
        first.json()["taken_at"],
    )
    again = client.post("/upload/file", {"location": loc.pk, "file": jpeg("copy.jpg")})
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert "IMG_0001.JPG" in again.json()["reason"] and Image.objects.count() == 1
    text = SimpleUploadedFile("notes.jpg", b"not an image at all", "image/jpeg")
    refused = client.post("/upload/file", {"location": loc.pk, "file": text})
    assert refused.status_code == 400 and refused.json()["result"] == "refused"
    assert refused.json()["reason"] and Image.objects.count() == 1


def test_upload_needs_a_location_and_the_reviewer_role(client, alice, bob):
    client.force_login(bob)
    missing = client.post("/upload/file", {"location": "", "file": jpeg("a.jpg")})
    assert missing.status_code == 400 and "Choose the camera site" in missing.json()["reason"]
    client.force_login(alice)
    page = client.get("/upload/")
    assert page.status_code == 403 and b"Uploading images needs the reviewer" in page.content
    assert not Image.objects.exists()
