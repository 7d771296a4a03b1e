from datetime import UTC, datetime

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from detections.models import Detection, DetectionCorrection, Location
from tests import factories

pytestmark = pytest.mark.django_db


def test_location_coordinates_out_of_range_are_rejected():
    loc = Location(name="Nowhere", latitude=91, longitude=-181, timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as error:
        loc.full_clean()
    assert set(error.value.message_dict) == {"latitude", "longitude", "timezone"}


def test_bbox_outside_the_image_is_rejected():
    img = factories.image(width=640, height=480)
    det = Detection(
        image=img, bbox_x=600, bbox_y=10, bbox_width=100, bbox_height=50, confidence=0.8, classification="doe"
    )
    with pytest.raises(ValidationError) as error:
        det.full_clean()
    assert "outside the 640x480 image" in str(error.value)


def test_confidence_above_one_is_rejected():
    img = factories.image()
    det = Detection(image=img, bbox_x=1, bbox_y=1, bbox_width=10, bbox_height=10, confidence=1.2, classification="doe")
    with pytest.raises(ValidationError) as error:
        det.full_clean()
    assert "confidence" in error.value.message_dict


def test_detection_copies_location_and_time_from_image():
    taken = datetime(2024, 11, 2, 6, 30, tzinfo=UTC)
    img = factories.image(taken_at=taken)
    det = factories.detection(img)
    assert det.location_id == img.location_id
    assert det.taken_at == taken


def test_effective_classification_prefers_the_correction():
    det = factories.detection(classification="doe")
    det.refresh_from_db()
    assert det.effective_classification == "doe"
    det.corrected_classification = "buck"
    det.save()
    det.refresh_from_db()
    assert det.effective_classification == "buck"
    assert Detection.objects.filter(effective_classification="buck").count() == 1


def test_embedding_is_stored_normalised_float32():
    det = factories.detection(embedding=[3.0, 4.0])
    det.refresh_from_db()
    np.testing.assert_allclose(det.get_embedding(), [0.6, 0.8], rtol=1e-6)
    assert det.get_embedding().dtype == np.float32


def test_correction_history_rows_are_immutable(bob):
    det = factories.detection()
    row = DetectionCorrection.objects.create(
        detection=det, user=bob, field="classification", old_value="doe", new_value="buck"
    )
    row.new_value = "fawn"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    assert DetectionCorrection.objects.get().new_value == "buck"


def test_roles_exist_with_increasing_rights():
    from django.contrib.auth.models import Group

    counts = {g.name: g.permissions.count() for g in Group.objects.all()}
    assert counts["viewer"] < counts["reviewer"] < counts["manager"]
