"""POST /api/images/batch: images already under the image root, registered all or nothing."""

from datetime import UTC, datetime

import pytest

from detections.models import Detection, Image
from tests import factories
from tests.detections.helpers import det

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_disk(settings):
    """Write a JPEG under IMAGE_ROOT and return its relative path."""

    def write(relative, width=640, height=480, color=(1, 2, 3), exif_datetime=None):
        path = settings.IMAGE_ROOT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(factories.jpeg_bytes(width, height, color=color, exif_datetime=exif_datetime))
        return relative

    return write


def test_batch_registers_images_and_detections(
    bob_client, ranch, on_disk, django_capture_on_commit_callbacks, captured_signals
):
    first = on_disk("Hayfield/IMG_0001.JPG", color=(1, 1, 1), exif_datetime="2024:10:15 06:30:00")
    second = on_disk("Hayfield/IMG_0002.JPG", color=(2, 2, 2))
    payload = {
        "images": [
            {"file": first, "location": "Hayfield", "detections": [det(), det((12, 22, 100, 80), 0.5)]},
            {
                "file": second,
                "location": str(ranch.id),
                "taken_at": "2024-10-16T00:00:00Z",
                "detections": [det(classification="buck")],
            },
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post("/api/images/batch", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["created_count"], body["existing_count"], body["detection_count"]) == (2, 0, 3)
    assert [item["file"] for item in body["images"]] == [first, second]
    image = Image.objects.get(file=first)
    assert image.taken_at == datetime(2024, 10, 15, 11, 30, tzinfo=UTC)
    assert image.filename == "IMG_0001.JPG"
    assert [d.is_duplicate for d in image.detections.order_by("-confidence")] == [False, True]
    assert len(captured_signals) == 1 and len(captured_signals[0][1]) == 3


def test_batch_again_creates_nothing(bob_client, ranch, on_disk):
    payload = {
        "images": [
            {
                "file": on_disk("a.jpg"),
                "location": "Hayfield",
                "taken_at": "2024-10-16T00:00:00Z",
                "detections": [det()],
            }
        ]
    }
    assert bob_client.post("/api/images/batch", payload, format="json").status_code == 201
    again = bob_client.post("/api/images/batch", payload, format="json")
    assert again.status_code == 200
    assert again.json()["created_count"] == 0 and again.json()["existing_count"] == 1
    assert Image.objects.count() == 1 and Detection.objects.count() == 1


def test_one_bad_item_stores_nothing(bob_client, ranch, on_disk):
    payload = {
        "images": [
            {
                "file": on_disk("good.jpg"),
                "location": "Hayfield",
                "taken_at": "2024-10-16T00:00:00Z",
                "detections": [det()],
            },
            {
                "file": on_disk("bad.jpg", 100, 100, color=(9, 9, 9)),
                "location": "Hayfield",
                "taken_at": "2024-10-16T00:00:00Z",
                "detections": [det((50, 50, 100, 100))],
            },
            {"file": "missing.jpg", "location": "Hayfield", "taken_at": "2024-10-16T00:00:00Z"},
        ]
    }
    response = bob_client.post("/api/images/batch", payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {
        "images.1.detections.0.bbox": ["bbox [50.0, 50.0, 100.0, 100.0] lies outside the 100x100 image."],
        "images.2.file": ["No file 'missing.jpg' under the image root."],
    }
    assert Image.objects.count() == 0 and Detection.objects.count() == 0


def test_paths_outside_the_image_root_are_refused(bob_client, ranch, settings):
    outside = settings.IMAGE_ROOT.parent / "secret.jpg"
    outside.write_bytes(factories.jpeg_bytes())
    payload = {"images": [{"file": "../secret.jpg", "location": "Hayfield", "taken_at": "2024-10-16T00:00:00Z"}]}
    response = bob_client.post("/api/images/batch", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"images.0.file": ["'../secret.jpg' is outside the image root."]}


def test_the_same_content_twice_in_one_batch_is_refused(bob_client, ranch, on_disk):
    payload = {
        "images": [
            {"file": on_disk("x/a.jpg"), "location": "Hayfield", "taken_at": "2024-10-16T00:00:00Z"},
            {"file": on_disk("y/a.jpg"), "location": "Hayfield", "taken_at": "2024-10-16T00:00:00Z"},
        ]
    }
    response = bob_client.post("/api/images/batch", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"images.1.file": ["Same file content as images.0; list each image once."]}


def test_more_than_500_images_are_refused(bob_client, ranch):
    payload = {"images": [{"file": f"{i}.jpg", "location": "Hayfield"} for i in range(501)]}
    response = bob_client.post("/api/images/batch", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "At most 500 images per batch."


def test_empty_batch_is_refused(bob_client, ranch):
    response = bob_client.post("/api/images/batch", {"images": []}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"images.non_field_errors": ["This list may not be empty."]}


def test_viewer_cannot_send_a_batch(alice_client, ranch):
    response = alice_client.post("/api/images/batch", {"images": []}, format="json")
    assert response.status_code == 403


def test_a_location_holding_a_nul_byte_is_a_400_not_a_database_error(bob_client, ranch, on_disk):
    payload = {
        "images": [{"file": on_disk("good.jpg"), "location": "Hay\x00field", "taken_at": "2024-10-16T00:00:00Z"}]
    }
    response = bob_client.post("/api/images/batch", payload, format="json")
    assert response.status_code == 400
    assert "images.0.location" in response.json()["errors"]
    assert Image.objects.count() == 0
