"""POST /api/detections/batch-correct: one correction for many detections, in one transaction."""

import uuid

import pytest

from detections.models import DetectionCorrection
from reid import profiles
from tests import factories

pytestmark = pytest.mark.django_db


def test_batch_correction_reports_missing_ids(bob_client, bob):
    dets = [factories.detection(classification="doe") for _ in range(3)]
    missing = str(uuid.uuid4())
    response = bob_client.post(
        "/api/detections/batch-correct",
        {
            "detection_ids": [str(d.id) for d in dets] + [missing],
            "corrected_classification": "fawn",
            "correction_notes": "spots",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "total_requested": 4,
        "total_corrected": 3,
        "not_found_ids": [missing],
        "message": "Reviewed 3 detections and classification corrected to fawn, notes added. 1 detections could not be found.",
    }
    for det in dets:
        det.refresh_from_db()
        assert (det.effective_classification, det.correction_notes, det.is_reviewed, det.reviewed_by_id) == (
            "fawn",
            "spots",
            True,
            bob.id,
        )
    assert DetectionCorrection.objects.filter(field="corrected_classification", new_value="fawn", user=bob).count() == 3


def test_batch_invalidation_recomputes_each_deer_once(bob_client):
    stag, hind = factories.deer(sex="buck"), factories.deer(sex="doe")
    loc = factories.location()
    a = factories.detection(factories.image(loc), "buck", deer=stag)
    b = factories.detection(factories.image(loc), "buck", deer=stag)
    c = factories.detection(factories.image(loc), "doe", deer=hind)
    keep = factories.detection(factories.image(loc), "doe", deer=hind)
    for d in (stag, hind):
        profiles.deer_recompute(d)
    response = bob_client.post(
        "/api/detections/batch-correct",
        {"detection_ids": [str(a.id), str(b.id), str(c.id)], "is_valid": False},
        format="json",
    )
    assert response.status_code == 200
    stag.refresh_from_db()
    hind.refresh_from_db()
    assert (stag.sighting_count, stag.best_detection_id, stag.first_seen) == (0, None, None)
    assert (hind.sighting_count, hind.best_detection_id) == (1, keep.id)


def test_batch_is_all_or_nothing(bob_client, monkeypatch):
    dets = [factories.detection() for _ in range(2)]

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(DetectionCorrection.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        bob_client.post(
            "/api/detections/batch-correct",
            {"detection_ids": [str(d.id) for d in dets], "is_valid": False},
            format="json",
        )
    for det in dets:
        det.refresh_from_db()
        assert det.is_valid and not det.is_reviewed


@pytest.mark.parametrize(
    "body, message",
    [
        ({"detection_ids": []}, "Give at least one detection id."),
        ({"detection_ids": ["nope"]}, "Must be a valid UUID."),
        ({"detection_ids": [str(uuid.uuid4()) for _ in range(1001)]}, "At most 1000 detection ids per request."),
        ({"detection_ids": [str(uuid.uuid4())], "corrected_classification": "yeti"}, "'yeti' is not a known class."),
    ],
)
def test_bad_batch_is_400(bob_client, body, message):
    response = bob_client.post("/api/detections/batch-correct", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


def test_viewer_cannot_batch_correct(alice_client):
    det = factories.detection()
    response = alice_client.post(
        "/api/detections/batch-correct", {"detection_ids": [str(det.id)], "is_valid": False}, format="json"
    )
    assert response.status_code == 403
    det.refresh_from_db()
    assert det.is_valid
