import pytest

from detections.models import Detection, DetectionCorrection
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dets():
    loc = factories.location("Hayfield")
    return [factories.detection(factories.image(loc), classification=c) for c in ("buck", "doe", "doe")]


def test_browse_filters_by_class_and_shows_review_progress(client, alice, dets):
    client.force_login(alice)
    response = client.get("/detections/", {"classification": "doe"})
    assert response.status_code == 200
    shown = {str(d.pk) for d in response.context["page"].object_list}
    assert shown == {str(dets[1].pk), str(dets[2].pk)}
    assert response.context["stats"]["total_count"] == 2
    assert b'viewBox="0 0 640 480"' in response.content  # the box is drawn in image pixels
    assert b"Apply to selected" not in response.content  # viewers get no review controls


def test_browse_with_a_bad_filter_says_what_is_wrong(client, alice, dets):
    client.force_login(alice)
    response = client.get("/detections/", {"min_confidence": "lots"})
    assert response.status_code == 200
    assert b"min_confidence" in response.content
    assert list(response.context["page"].object_list) == []


def test_reviewer_corrects_one_detection_and_history_is_written(client, bob, dets):
    client.force_login(bob)
    response = client.post(f"/detections/{dets[1].pk}/review", {"action": "class:buck"})
    assert response.status_code == 200
    assert b"model: doe" in response.content
    det = Detection.objects.get(pk=dets[1].pk)
    assert det.effective_classification == "buck" and det.is_reviewed and det.reviewed_by == bob
    assert DetectionCorrection.objects.filter(
        detection=det, field="corrected_classification", new_value="buck"
    ).exists()


def test_viewer_cannot_correct(client, alice, dets):
    client.force_login(alice)
    response = client.post(f"/detections/{dets[0].pk}/review", {"action": "invalid"})
    assert response.status_code == 403
    assert Detection.objects.get(pk=dets[0].pk).is_valid


def test_unknown_action_is_a_clear_400(client, bob, dets):
    client.force_login(bob)
    response = client.post(f"/detections/{dets[0].pk}/review", {"action": "class:unicorn"})
    assert response.status_code == 400
    assert b"unicorn" in response.content
    assert not Detection.objects.get(pk=dets[0].pk).is_reviewed


def test_batch_review_marks_selected_invalid(client, bob, dets):
    client.force_login(bob)
    response = client.post(
        "/detections/batch-review", {"ids": [dets[0].pk, dets[2].pk], "action": "invalid", "next": "/detections/"}
    )
    assert response.status_code == 302
    assert set(Detection.objects.filter(is_valid=False).values_list("pk", flat=True)) == {dets[0].pk, dets[2].pk}
