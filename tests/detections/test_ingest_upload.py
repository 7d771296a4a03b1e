"""POST /api/images: one uploaded image with its detections."""

import hashlib
from datetime import UTC, datetime

import pytest

from detections.models import Detection, Image
from tests import factories
from tests.detections.helpers import det, png_bytes, upload

pytestmark = pytest.mark.django_db


def test_upload_stores_image_file_and_detections(
    bob_client, ranch, settings, django_capture_on_commit_callbacks, captured_signals
):
    data = factories.jpeg_bytes(640, 480)
    metadata = {
        "location": "Hayfield",
        "taken_at": "2024-10-15T06:30:00-05:00",
        "detections": [det((10, 20, 100, 80), 0.91, "buck"), det((300, 200, 50, 40), 0.7, "Doe")],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(bob_client, data, metadata, name="IMG_0001.JPG")

    assert response.status_code == 201, response.json()
    body = response.json()
    image = Image.objects.get(pk=body["id"])
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert (image.width, image.height) == (640, 480)
    assert image.taken_at == datetime(2024, 10, 15, 11, 30, tzinfo=UTC)
    assert image.filename == "IMG_0001.JPG"
    assert (settings.IMAGE_ROOT / image.file).read_bytes() == data
    assert image.file.startswith("uploads/hayfield/2024/10/15/")
    assert [d["effective_classification"] for d in body["detections"]] == ["buck", "doe"]
    assert body["detections"][0]["bbox"] == {"x": 10, "y": 20, "width": 100, "height": 80}
    stored = Detection.objects.filter(image=image)
    assert stored.count() == 2
    assert {d.location_id for d in stored} == {ranch.id}
    assert {d.taken_at for d in stored} == {image.taken_at}
    # the new detections are announced after the commit, once
    assert len(captured_signals) == 1
    assert captured_signals[0][0] is Detection
    assert set(captured_signals[0][1]) == set(stored.values_list("id", flat=True))


def test_location_can_be_given_by_id(bob_client, ranch):
    response = upload(
        bob_client, factories.jpeg_bytes(), {"location": str(ranch.id), "taken_at": "2024-10-15T06:30:00Z"}
    )
    assert response.status_code == 201
    assert response.json()["location"] == str(ranch.id)


def test_same_file_again_answers_200_and_creates_nothing(bob_client, ranch, stored_files):
    data = factories.jpeg_bytes()
    metadata = {"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z", "detections": [det()]}
    first = upload(bob_client, data, metadata)
    files_after_first = stored_files()
    second = upload(bob_client, data, {**metadata, "detections": [det(), det((200, 200, 30, 30))]}, name="copy.jpg")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Image.objects.count() == 1
    assert Detection.objects.count() == 1
    assert stored_files() == files_after_first


def test_png_is_accepted(bob_client, ranch):
    response = upload(
        bob_client, png_bytes(64, 48), {"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z"}, name="a.png"
    )
    assert response.status_code == 201
    image = Image.objects.get()
    assert image.file.endswith(".png")
    assert (image.width, image.height) == (64, 48)


def test_normalized_bbox_is_converted_to_pixels(bob_client, ranch):
    metadata = {
        "location": "Hayfield",
        "taken_at": "2024-10-15T06:30:00Z",
        "detections": [det((0.25, 0.5, 0.5, 0.25), bbox_format="normalized")],
    }
    response = upload(bob_client, factories.jpeg_bytes(640, 480), metadata)
    assert response.status_code == 201
    assert Detection.objects.get().bbox == (160, 240, 320, 120)


def test_overlapping_less_confident_box_is_marked_duplicate(bob_client, ranch):
    metadata = {
        "location": "Hayfield",
        "taken_at": "2024-10-15T06:30:00Z",
        "detections": [
            det((100, 100, 100, 100), 0.6),  # IoU with the 0.9 box: 8100 / 11900 = 0.68 -> duplicate
            det((110, 110, 100, 100), 0.9),
            det((400, 300, 100, 100), 0.5),  # no overlap -> kept
            det((160, 100, 100, 100), 0.95),  # IoU with the 0.9 box: 0.3 -> kept
        ],
    }
    response = upload(bob_client, factories.jpeg_bytes(640, 480), metadata)
    assert response.status_code == 201
    flags = {d.confidence: d.is_duplicate for d in Detection.objects.all()}
    assert flags == {0.6: True, 0.9: False, 0.5: False, 0.95: False}


def test_embedding_is_stored_normalised(bob_client, ranch):
    metadata = {
        "location": "Hayfield",
        "taken_at": "2024-10-15T06:30:00Z",
        "detections": [det(embedding=[3.0, 4.0, 0.0], embedding_model="megadesc-v1")],
    }
    response = upload(bob_client, factories.jpeg_bytes(), metadata)
    assert response.status_code == 201
    stored = Detection.objects.get()
    assert stored.embedding_model == "megadesc-v1"
    assert [round(float(v), 6) for v in stored.get_embedding()] == [0.6, 0.8, 0.0]
    assert response.json()["detections"][0]["has_embedding"] is True


def test_viewer_cannot_upload(alice_client, ranch):
    response = upload(
        alice_client, factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This action needs the reviewer or manager role."
    assert Image.objects.count() == 0


def test_anonymous_cannot_upload(client, ranch):
    response = client.post("/api/images", {})
    assert response.status_code in (401, 403)


def test_a_failing_database_write_leaves_no_file(bob_client, ranch, stored_files, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Detection.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        upload(
            bob_client,
            factories.jpeg_bytes(),
            {"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z", "detections": [det()]},
        )
    assert Image.objects.count() == 0
    assert stored_files() == []


def test_a_failing_signal_receiver_does_not_fail_the_upload(bob_client, ranch, django_capture_on_commit_callbacks):
    from detections.signals import detections_created

    def broken(sender, detection_ids, **kwargs):
        raise ConnectionError("redis is down")

    detections_created.connect(broken, dispatch_uid="tests-broken-receiver")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(
                bob_client,
                factories.jpeg_bytes(),
                {"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z", "detections": [det()]},
            )
    finally:
        detections_created.disconnect(dispatch_uid="tests-broken-receiver")
    assert response.status_code == 201
    assert Detection.objects.count() == 1
