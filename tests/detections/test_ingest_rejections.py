"""POST /api/images refuses bad uploads with a 400 naming the field, and stores nothing."""

import pytest
from PIL import Image as PILImage

from detections.models import Detection, Image
from tests import factories
from tests.detections.helpers import det, upload

pytestmark = pytest.mark.django_db

TAKEN = "2024-10-15T06:30:00Z"


@pytest.fixture
def refused(bob_client, ranch, stored_files):
    """Upload, assert a 400 with nothing stored, and return (detail, errors)."""

    def check(data, metadata, name="IMG_0001.JPG"):
        before = (Image.objects.count(), Detection.objects.count(), stored_files())
        response = upload(bob_client, data, metadata, name=name)
        assert response.status_code == 400, response.content
        assert (Image.objects.count(), Detection.objects.count(), stored_files()) == before
        body = response.json()
        return body["detail"], body["errors"]

    return check


def test_not_an_image(refused):
    detail, errors = refused(b"%PDF-1.7 this is not a picture", {"location": "Hayfield", "taken_at": TAKEN})
    assert errors == {"file": ["The file is not a JPEG or PNG image."]}
    assert detail == "The file is not a JPEG or PNG image."


def test_gif_is_refused(refused):
    import io

    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20)).save(buffer, "GIF")
    _, errors = refused(buffer.getvalue(), {"location": "Hayfield", "taken_at": TAKEN}, name="a.gif")
    assert errors == {"file": ["The file is not a JPEG or PNG image."]}


def test_too_many_pixels(refused, settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    _, errors = refused(factories.jpeg_bytes(200, 100), {"location": "Hayfield", "taken_at": TAKEN})
    assert errors["file"] == ["The image is 200x100 (20000 pixels); the limit is 10000 pixels."]


def test_decompression_bomb_is_refused(refused, monkeypatch):
    # Pillow's own guard: raise its limit check to "bomb" on a small image
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1000)
    _, errors = refused(factories.jpeg_bytes(640, 480), {"location": "Hayfield", "taken_at": TAKEN})
    assert "decompression bomb" in errors["file"][0]


def test_truncated_jpeg_is_refused(refused):
    data = factories.jpeg_bytes(640, 480)[:200]
    _, errors = refused(data, {"location": "Hayfield", "taken_at": TAKEN})
    assert list(errors) == ["file"]


def test_bbox_outside_the_image(refused):
    _, errors = refused(
        factories.jpeg_bytes(640, 480),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [det(), det((600, 10, 100, 50))],
        },
    )
    assert errors == {"metadata.detections.1.bbox": ["bbox [600.0, 10.0, 100.0, 50.0] lies outside the 640x480 image."]}


def test_normalized_bbox_beyond_one(refused):
    _, errors = refused(
        factories.jpeg_bytes(),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [det((0.8, 0.1, 0.5, 0.2), bbox_format="normalized")],
        },
    )
    assert "must lie within 0..1" in errors["metadata.detections.0.bbox"][0]


def test_bbox_with_three_numbers(refused):
    _, errors = refused(
        factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": TAKEN, "detections": [det((1, 2, 3))]}
    )
    assert errors == {"metadata.detections.0.bbox": ["bbox must have four numbers: [x, y, width, height]."]}


def test_confidence_outside_zero_one(refused):
    detail, errors = refused(
        factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": TAKEN, "detections": [det(confidence=1.5)]}
    )
    assert errors == {"metadata.detections.0.confidence": ["confidence must be between 0 and 1."]}
    assert detail == "confidence must be between 0 and 1."


def test_unknown_class(refused):
    _, errors = refused(
        factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": TAKEN, "detections": [det(classification="elk")]}
    )
    message = errors["metadata.detections.0.classification"][0]
    assert message.startswith("'elk' is not a known class. Valid classes: buck, doe, fawn, unknown")


def test_unknown_location(refused):
    detail, errors = refused(factories.jpeg_bytes(), {"location": "Moon Base", "taken_at": TAKEN})
    assert errors == {"metadata.location": ["No location with id or name 'Moon Base'."]}
    assert detail == "No location with id or name 'Moon Base'."


def test_metadata_that_is_not_json(refused):
    _, errors = refused(factories.jpeg_bytes(), "{location: Hayfield")
    assert errors["metadata"][0].startswith("metadata is not valid JSON")


def test_unknown_metadata_field(refused):
    _, errors = refused(factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": TAKEN, "camera": "x"})
    assert "metadata.camera" in errors


def test_malformed_taken_at(refused):
    _, errors = refused(factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": "yesterday"})
    assert errors["metadata.taken_at"] == [
        "'yesterday' is not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS, optional offset)."
    ]


def test_impossible_taken_at(refused):
    _, errors = refused(factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": "2024-13-45T06:30:00"})
    assert list(errors) == ["metadata.taken_at"]


def test_infinite_bbox(refused):
    metadata = '{"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z", "detections": [{"bbox": [Infinity, 0, 10, 10], "confidence": 0.5, "classification": "doe"}]}'
    _, errors = refused(factories.jpeg_bytes(), metadata)
    assert [key.startswith("metadata.detections.0.bbox") for key in errors] == [True]


def test_nan_confidence(refused):
    metadata = '{"location": "Hayfield", "taken_at": "2024-10-15T06:30:00Z", "detections": [{"bbox": [0, 0, 10, 10], "confidence": NaN, "classification": "doe"}]}'
    _, errors = refused(factories.jpeg_bytes(), metadata)
    assert list(errors) == ["metadata.detections.0.confidence"]


def test_no_time_anywhere(refused):
    _, errors = refused(factories.jpeg_bytes(), {"location": "Hayfield"}, name="photo.jpg")
    assert errors["metadata.taken_at"][0].startswith("The capture time is unknown")


def test_embedding_of_the_wrong_dimension_for_a_stored_model(refused):
    factories.detection(embedding=factories.unit_vector(8), embedding_model="megadesc-v1")
    _, errors = refused(
        factories.jpeg_bytes(),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [det(embedding=[0.1] * 4, embedding_model="megadesc-v1")],
        },
    )
    assert errors == {
        "metadata.detections.0.embedding": [
            "The embedding has 4 values but model 'megadesc-v1' uses 8-dimensional embeddings."
        ]
    }


def test_embedding_of_the_wrong_dimension_for_a_deer_centroid(refused):
    factories.deer(centroid=factories.unit_vector(16).tobytes(), embedding_model="reid-x")
    _, errors = refused(
        factories.jpeg_bytes(),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [det(embedding=[1.0] * 3, embedding_model="reid-x")],
        },
    )
    assert errors["metadata.detections.0.embedding"] == [
        "The embedding has 3 values but model 'reid-x' uses 16-dimensional embeddings."
    ]


def test_embeddings_of_one_upload_must_agree(refused):
    _, errors = refused(
        factories.jpeg_bytes(),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [
                det(embedding=[1.0, 0.0], embedding_model="new"),
                det((300, 300, 10, 10), embedding=[1.0, 0.0, 0.0], embedding_model="new"),
            ],
        },
    )
    assert list(errors) == ["metadata.detections.1.embedding"]


def test_embedding_without_model(refused):
    _, errors = refused(
        factories.jpeg_bytes(), {"location": "Hayfield", "taken_at": TAKEN, "detections": [det(embedding=[1.0, 2.0])]}
    )
    assert errors == {
        "metadata.detections.0.embedding_model": ["embedding_model is required when an embedding is given."]
    }


def test_zero_embedding(refused):
    _, errors = refused(
        factories.jpeg_bytes(),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [det(embedding=[0.0, 0.0], embedding_model="m")],
        },
    )
    assert errors == {"metadata.detections.0.embedding": ["An embedding of all zeros cannot be compared."]}


def test_every_violation_is_listed(refused):
    _, errors = refused(
        factories.jpeg_bytes(640, 480),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [det((600, 0, 100, 10)), det((0, 0, 10, 10), embedding=[1.0], embedding_model="")],
        },
    )
    assert set(errors) == {"metadata.detections.0.bbox", "metadata.detections.1.embedding_model"}


def test_missing_file(bob_client, ranch):
    response = bob_client.post("/api/images", {"metadata": "{}"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


@pytest.mark.parametrize("embedding", [["a", 1.0], [], [[1.0, 2.0], [3.0]], "0.1,0.2", [True, False]])
def test_embedding_that_is_not_a_list_of_numbers(refused, embedding):
    _, errors = refused(
        factories.jpeg_bytes(),
        {
            "location": "Hayfield",
            "taken_at": TAKEN,
            "detections": [det(embedding=embedding, embedding_model="m")],
        },
    )
    assert errors == {"metadata.detections.0.embedding": ["The embedding must be a non-empty list of numbers."]}
