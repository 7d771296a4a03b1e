"""core.bulk: insert_objects stores what bulk_create stores (COPY on PostgreSQL, one prepared statement
elsewhere); the data version sees the write."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from core import bulk, data_version
from detections.models import Detection, Image
from tests import factories

pytestmark = pytest.mark.django_db

SKIP = {"id", "image_id", "sha256", "file", "filename", "created_at"}


def pair(loc, name):
    image = Image(
        location=loc,
        file=f"x/{name}.jpg",
        filename=f"{name}.jpg",
        sha256=name * 64 if len(name) == 1 else name,
        width=640,
        height=480,
        taken_at=datetime(2024, 10, 15, 6, 30, 1, 250000, tzinfo=UTC),
        exif={"Orientation": 6, "Make": "Reconyx", "DateTimeOriginal": "2024:10:15 01:30:01"},
        detector_model="md_v5a",
    )
    detection = Detection(
        image=image,
        location_id=loc.pk,
        taken_at=image.taken_at,
        bbox_x=1,
        bbox_y=2,
        bbox_width=30,
        bbox_height=40,
        confidence=0.875,
        classification="doe",
        classifier_score=0.5,
        model_label="white-tailed deer",
        embedding_model="m",
    )
    detection.set_embedding(factories.unit_vector(8), "m")
    return image, detection


def stored(model, pk):
    row = model.objects.filter(pk=pk).values().get()
    return {name: value for name, value in row.items() if name not in SKIP}


def test_insert_objects_stores_what_bulk_create_stores():
    loc = factories.location()
    fast_image, fast_detection = pair(loc, "a")
    slow_image, slow_detection = pair(loc, "b")
    bulk.insert_objects(Image, [fast_image])
    bulk.insert_objects(Detection, [fast_detection])
    Image.objects.bulk_create([slow_image])
    Detection.objects.bulk_create([slow_detection])
    assert stored(Image, fast_image.pk) == stored(Image, slow_image.pk)
    assert stored(Detection, fast_detection.pk) == stored(Detection, slow_detection.pk)
    again = Detection.objects.get(pk=fast_detection.pk)
    assert again.effective_classification == "doe" and again.created_at is not None
    assert again.get_embedding().shape == (8,)
    assert not fast_image._state.adding and Image.objects.get(pk=fast_image.pk).exif["Orientation"] == 6


def test_a_duplicate_row_is_an_integrity_error_and_nothing_is_kept():
    loc = factories.location()
    first, _ = pair(loc, "c")
    bulk.insert_objects(Image, [first])
    twin, _ = pair(loc, "c")
    other, _ = pair(loc, "d")
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_objects(Image, [other, twin])
    assert Image.objects.count() == 1


def test_the_data_version_sees_the_insert(monkeypatch):
    bumps = []
    monkeypatch.setattr(data_version, "bump", lambda: bumps.append(1))
    loc = factories.location()
    bumps.clear()
    image, _ = pair(loc, "e")
    bulk.insert_objects(Image, [image])
    assert bumps  # COPY bypasses the execute wrappers: core.bulk marks the write itself
