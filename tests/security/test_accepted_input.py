"""Finding 9: input that was accepted but must be refused, and a too large body in the API's error shape."""

import io
import json

import pytest
from PIL import Image as PILImage
from PIL import ImageFile

from detections.models import Detection, Image
from reid.models import ReidRun
from tests import factories
from tests.detections.helpers import det, upload

pytestmark = pytest.mark.django_db

METADATA = {"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z"}


@pytest.fixture
def hayfield(db):
    return factories.location("Hayfield")


def noisy_jpeg(width=320, height=240):
    buffer = io.BytesIO()
    PILImage.effect_noise((width, height), 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_truncated_jpeg_upload_is_refused(bob_client, hayfield, settings):
    data = noisy_jpeg()
    response = upload(bob_client, data[: len(data) // 2], METADATA)
    assert response.status_code == 400
    assert response.json()["errors"]["file"][0].startswith("The image file is damaged and cannot be read")
    assert not Image.objects.exists()
    assert not [p for p in settings.IMAGE_ROOT.rglob("*") if p.is_file()]


def test_a_truncated_jpeg_is_refused_also_once_weasyprint_made_pillow_tolerant(bob_client, hayfield, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    data = noisy_jpeg()
    response = upload(bob_client, data[: len(data) // 2], METADATA)
    assert response.status_code == 400
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was for WeasyPrint


def test_a_truncated_jpeg_in_a_batch_is_refused(bob_client, hayfield, settings):
    data = noisy_jpeg()
    (settings.IMAGE_ROOT / "cut.jpg").write_bytes(data[: len(data) // 2])
    response = bob_client.post("/api/images/batch", {"images": [{**METADATA, "file": "cut.jpg"}]}, format="json")
    assert response.status_code == 400
    assert "damaged" in response.json()["errors"]["images.0.file"][0]


def test_a_complete_jpeg_is_still_accepted_and_its_thumbnail_served(bob_client, hayfield):
    response = upload(bob_client, noisy_jpeg(), METADATA)
    assert response.status_code == 201
    assert bob_client.get(f"/api/images/{response.json()['id']}/thumbnail").status_code == 200


def test_a_reupload_with_invalid_detections_is_refused(bob_client, hayfield):
    data = factories.jpeg_bytes(640, 480)
    assert upload(bob_client, data, METADATA).status_code == 201
    again = upload(bob_client, data, {**METADATA, "detections": [det(bbox=(600, 400, 500, 500))]})
    assert again.status_code == 400
    assert "lies outside the 640x480 image" in again.json()["errors"]["metadata.detections.0.bbox"][0]
    assert Image.objects.count() == 1 and not Detection.objects.exists()


def test_a_batch_relisting_a_stored_image_with_invalid_detections_is_refused(bob_client, hayfield, settings):
    (settings.IMAGE_ROOT / "a.jpg").write_bytes(factories.jpeg_bytes(640, 480))
    item = {**METADATA, "file": "a.jpg"}
    assert bob_client.post("/api/images/batch", {"images": [item]}, format="json").status_code == 201
    bad = {**item, "detections": [det(bbox=(600, 400, 500, 500))]}
    response = bob_client.post("/api/images/batch", {"images": [bad]}, format="json")
    assert response.status_code == 400
    assert "lies outside the 640x480 image" in response.json()["errors"]["images.0.detections.0.bbox"][0]
    assert not Detection.objects.exists()


@pytest.mark.parametrize("limit", ["1e30", "1000000000000000000000000000000", "2147483648"])
def test_backfill_limit_beyond_an_integer_column_is_refused(charlie_client, limit):
    response = charlie_client.post("/api/reid/backfill", f'{{"limit": {limit}}}', content_type="application/json")
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]
    assert not ReidRun.objects.exists()


MONTH = {"start_date": "2024-01-01", "end_date": "2024-01-31"}


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/exports/zip", {**MONTH, "include_crops": False}),
        ("/api/reports/comparison", {"periods": [{"label": "a", **MONTH}, {"label": "b", **MONTH}]}),
    ],
)
def test_numbers_are_not_location_ids(charlie_client, path, body):
    response = charlie_client.post(path, {**body, "location_ids": [1, 2]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["location_ids.0"] == ["'1' is not a valid UUID."]


def test_numbers_are_not_detection_ids(charlie_client):
    detection = factories.detection()
    body = {"detection_ids": [detection.pk.int], "is_valid": False}  # the same id, as a number
    response = charlie_client.post("/api/detections/batch-correct", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"detection_ids.0": ["Must be a valid UUID."]}
    assert Detection.objects.get().is_valid is True


def test_numbers_are_not_deer_ids(charlie_client):
    deer, other = factories.deer(), factories.deer()
    response = charlie_client.post(f"/api/deer/{deer.pk}/merge", {"deer_ids": [other.pk.int]}, format="json")
    assert response.status_code == 400
    assert "deer_ids.0" in response.json()["errors"]


def test_a_60_mb_json_body_gets_the_json_error_shape(bob_client):
    body = '{"images": [' + ",".join(['{"file": "' + "x" * 1000 + '"}'] * 60_000) + "]}"
    assert len(body) > 60_000_000
    response = bob_client.post("/api/images/batch", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is larger than the limit of 50 MB."}


def test_an_oversized_multipart_field_gets_the_json_error_shape(bob_client, hayfield, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = upload(bob_client, factories.jpeg_bytes(64, 48), json.dumps({**METADATA, "pad": "x" * 2000}))
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than the limit of 1000 bytes."}
