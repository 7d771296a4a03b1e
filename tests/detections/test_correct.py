"""PATCH /api/detections/{id}/correct and GET /api/detections/{id}/history."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from detections.models import Detection, DetectionCorrection
from reid import profiles
from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 10, 15, 12, 0, tzinfo=UTC)


def test_correction_records_reviewer_time_and_history(bob_client, bob):
    det = factories.detection(classification="doe")
    response = bob_client.patch(
        f"/api/detections/{det.id}/correct",
        {"corrected_classification": "Buck", "correction_notes": "antlers visible"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Detection reviewed and classification corrected to buck, notes added"
    assert body["detection"]["effective_classification"] == "buck"
    assert body["detection"]["reviewed_by"] == "bob"
    det.refresh_from_db()
    assert (det.corrected_classification, det.effective_classification, det.is_reviewed) == ("buck", "buck", True)
    assert det.reviewed_by == bob
    assert abs((datetime.now(UTC) - det.reviewed_at).total_seconds()) < 60
    rows = {(c.field, c.old_value, c.new_value, c.user_id) for c in DetectionCorrection.objects.filter(detection=det)}
    assert rows == {
        ("corrected_classification", None, "buck", bob.id),
        ("correction_notes", "", "antlers visible", bob.id),
        ("is_reviewed", "false", "true", bob.id),
    }


def test_history_lists_corrections_oldest_first(bob_client, alice_client):
    det = factories.detection(classification="doe")
    bob_client.patch(f"/api/detections/{det.id}/correct", {"corrected_classification": "fawn"}, format="json")
    bob_client.patch(f"/api/detections/{det.id}/correct", {"corrected_classification": "doe"}, format="json")
    response = alice_client.get(f"/api/detections/{det.id}/history")
    assert response.status_code == 200
    history = [(r["field"], r["old_value"], r["new_value"], r["user"]) for r in response.json()]
    assert history == [
        ("corrected_classification", None, "fawn", "bob"),
        ("is_reviewed", "false", "true", "bob"),
        ("corrected_classification", "fawn", "doe", "bob"),
    ]


def test_empty_body_confirms_the_model_label(bob_client):
    det = factories.detection(classification="doe")
    response = bob_client.patch(f"/api/detections/{det.id}/correct", {}, format="json")
    assert response.status_code == 200
    assert response.json()["message"] == "Detection reviewed, model label confirmed"
    det.refresh_from_db()
    assert det.is_reviewed and det.corrected_classification is None


def test_invalidating_unlinks_the_deer_and_recomputes_it(bob_client):
    stag = factories.deer(sex="buck")
    loc = factories.location()
    v1, v2 = factories.unit_vector(8, seed=1), factories.unit_vector(8, seed=2)
    first = factories.detection(factories.image(loc, T0), "buck", 0.9, deer=stag, embedding=v1)
    last = factories.detection(factories.image(loc, T0 + timedelta(days=10)), "buck", 0.95, deer=stag, embedding=v2)
    profiles.deer_recompute(stag)
    assert (stag.sighting_count, stag.last_seen) == (2, T0 + timedelta(days=10))

    response = bob_client.patch(f"/api/detections/{last.id}/correct", {"is_valid": False}, format="json")

    assert response.status_code == 200
    assert response.json()["message"] == "Detection reviewed and marked as invalid"
    last.refresh_from_db()
    stag.refresh_from_db()
    assert last.deer_id is None and last.is_valid is False
    assert stag.sighting_count == 1
    assert stag.first_seen == stag.last_seen == T0
    assert stag.best_detection_id == first.id
    np.testing.assert_allclose(stag.get_centroid(), first.get_embedding(), rtol=1e-5)
    fields = set(DetectionCorrection.objects.filter(detection=last).values_list("field", "old_value", "new_value"))
    assert ("deer", str(stag.id), None) in fields and ("is_valid", "true", "false") in fields


def test_class_correction_of_a_linked_detection_recomputes_the_deer(bob_client, monkeypatch):
    stag = factories.deer(sex="buck")
    det = factories.detection(classification="buck", deer=stag)
    recomputed = []
    original = profiles.deer_recompute
    monkeypatch.setattr(
        profiles, "deer_recompute", lambda deer, save=True: recomputed.append(deer.pk) or original(deer, save)
    )
    bob_client.patch(f"/api/detections/{det.id}/correct", {"corrected_classification": "doe"}, format="json")
    assert recomputed == [stag.pk]
    stag.refresh_from_db()
    assert stag.sighting_count == 1  # still linked: a class change alone does not unlink


def test_viewer_cannot_correct(alice_client):
    det = factories.detection()
    response = alice_client.patch(f"/api/detections/{det.id}/correct", {"is_valid": False}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This action needs the reviewer or manager role."
    det.refresh_from_db()
    assert det.is_valid and not det.is_reviewed
    assert DetectionCorrection.objects.count() == 0


def test_manager_can_correct(charlie_client):
    det = factories.detection()
    assert (
        charlie_client.patch(f"/api/detections/{det.id}/correct", {"is_valid": False}, format="json").status_code == 200
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"corrected_classification": "elk"}, "corrected_classification"),
        ({"is_valid": "perhaps"}, "is_valid"),
        ({"correction_notes": "x" * 1001}, "correction_notes"),
        ({"deer": "x"}, "deer"),
    ],
)
def test_bad_correction_is_400_and_changes_nothing(bob_client, body, field):
    det = factories.detection()
    response = bob_client.patch(f"/api/detections/{det.id}/correct", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    det.refresh_from_db()
    assert not det.is_reviewed
    assert DetectionCorrection.objects.count() == 0


def test_correcting_an_unknown_detection_is_404(bob_client):
    response = bob_client.patch("/api/detections/00000000-0000-0000-0000-000000000000/correct", {}, format="json")
    assert response.status_code == 404


def test_history_rows_cannot_be_changed():
    det = factories.detection()
    from detections.services import detection_correct

    detection_correct(det.pk, None, is_valid=False)
    row = DetectionCorrection.objects.first()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        row.delete()
    assert Detection.objects.get(pk=det.pk).corrections.count() == 2
