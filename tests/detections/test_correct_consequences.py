"""What a correction does besides the field: the deer link follows whether the detection is a deer
sighting; undo puts everything back; box edits and drawn boxes are recorded."""

import pytest
from django.core.exceptions import ValidationError

from detections.models import Detection, DetectionCorrection
from detections.services import (
    detection_add,
    detection_correct,
    detection_edit_box,
    detection_undo,
    detections_batch_correct,
)
from detections.signals import detections_corrected
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    calls = []

    def receiver(sender, detection_ids, deer, **kwargs):
        calls.append(sorted(str(d.pk) for d in deer))

    detections_corrected.connect(receiver, dispatch_uid="tests-consequences")
    yield calls
    detections_corrected.disconnect(dispatch_uid="tests-consequences")


def history(det):
    return [(r.field, r.old_value, r.new_value) for r in DetectionCorrection.objects.filter(detection=det)]


def test_invalid_then_valid_gets_its_deer_back(bob, announced):
    stag = factories.deer("buck")
    det = factories.detection(classification="buck", deer=stag)
    detection_correct(det.pk, bob, is_valid=False)
    det = detection_correct(det.pk, bob, is_valid=True)
    assert det.deer_id == stag.pk
    assert history(det)[-2:] == [("is_valid", "false", "true"), ("deer", None, str(stag.pk))]
    assert announced == [[str(stag.pk)], [str(stag.pk)]]  # unlinked, then relinked: recomputed both times


def test_valid_again_keeps_a_link_a_reviewer_changed_since(bob):
    stag, other = factories.deer("buck"), factories.deer("buck")
    det = factories.detection(classification="buck", deer=stag)
    detection_correct(det.pk, bob, is_valid=False)
    # a reviewer links it elsewhere meanwhile (history row written as the deer pages do)
    Detection.objects.filter(pk=det.pk).update(deer=other)
    DetectionCorrection.objects.create(detection=det, user=bob, field="deer", old_value=None, new_value=str(other.pk))
    det = detection_correct(det.pk, bob, is_valid=True)
    assert det.deer_id == other.pk


def test_valid_again_after_the_deer_was_deleted_stays_unlinked(bob):
    stag = factories.deer("buck")
    det = factories.detection(classification="buck", deer=stag)
    detection_correct(det.pk, bob, is_valid=False)
    stag.delete()
    assert detection_correct(det.pk, bob, is_valid=True).deer_id is None


def test_a_non_deer_class_unlinks_and_a_deer_class_relinks(bob, announced):
    doe = factories.deer("doe")
    det = factories.detection(classification="doe", deer=doe)
    det = detection_correct(det.pk, bob, corrected_classification="coyote")
    assert det.deer_id is None
    assert ("deer", str(doe.pk), None) in history(det)
    det = detection_correct(det.pk, bob, corrected_classification="doe")
    assert det.deer_id == doe.pk
    assert announced == [[str(doe.pk)], [str(doe.pk)]]


def test_deer_class_to_deer_class_keeps_the_link(bob, announced):
    deer = factories.deer("unknown")
    det = factories.detection(classification="unknown", deer=deer)
    assert detection_correct(det.pk, bob, corrected_classification="fawn").deer_id == deer.pk
    assert announced == [[str(deer.pk)]]


def test_batch_relinks_each_to_its_own_deer(bob):
    a, b = factories.deer("doe"), factories.deer("doe")
    dets = [factories.detection(classification="doe", deer=a), factories.detection(classification="doe", deer=b)]
    detections_batch_correct([d.pk for d in dets], bob, is_valid=False)
    result = detections_batch_correct([d.pk for d in dets], bob, is_valid=True)
    assert sorted(map(str, result["recomputed_deer_ids"])) == sorted([str(a.pk), str(b.pk)])
    assert [Detection.objects.get(pk=d.pk).deer_id for d in dets] == [a.pk, b.pk]


def test_undo_restores_class_validity_review_and_deer(bob):
    doe = factories.deer("doe")
    det = factories.detection(classification="doe", deer=doe)
    detection_correct(det.pk, bob, corrected_classification="coyote")
    det, undone = detection_undo(det.pk, bob)
    assert {row.field for row in undone} == {"corrected_classification", "is_reviewed", "deer"}
    assert (det.corrected_classification, det.is_reviewed, det.deer_id, det.reviewed_by) == (None, False, doe.pk, None)


def test_undo_of_invalid_brings_the_deer_back(bob):
    stag = factories.deer("buck")
    det = factories.detection(classification="buck", deer=stag, is_reviewed=True)
    detection_correct(det.pk, bob, is_valid=False)
    det, _ = detection_undo(det.pk, bob)
    assert (det.is_valid, det.deer_id, det.is_reviewed) == (True, stag.pk, True)


def test_undo_with_no_history_is_refused(bob):
    det = factories.detection()
    with pytest.raises(ValidationError, match="no correction to undo"):
        detection_undo(det.pk, bob)


def test_edit_box_is_recorded_and_undone(bob):
    det = factories.detection(bbox=(10, 10, 100, 80))
    det = detection_edit_box(det.pk, bob, (20, 30, 200, 150))
    assert det.bbox == (20, 30, 200, 150)
    assert ("bbox", "10,10,100,80", "20,30,200,150") in history(det)
    det, _ = detection_undo(det.pk, bob)
    assert det.bbox == (10, 10, 100, 80)


@pytest.mark.parametrize("box", [(600, 0, 100, 10), (0, 0, 0, 10), (-1, 0, 5, 5), ("a", 0, 5, 5)])
def test_a_box_outside_the_image_is_refused_and_nothing_changes(bob, box):
    det = factories.detection(bbox=(10, 10, 100, 80))
    with pytest.raises(ValidationError):
        detection_edit_box(det.pk, bob, box)
    det.refresh_from_db()
    assert det.bbox == (10, 10, 100, 80) and not history(det)


def test_a_drawn_box_is_a_human_added_reviewed_detection(bob, django_capture_on_commit_callbacks):
    img = factories.image(width=640, height=480)
    with django_capture_on_commit_callbacks(execute=True):
        det = detection_add(img, bob, (5, 6, 70, 80), "Fawn")
    det.refresh_from_db()
    assert (det.human_added, det.classification, det.confidence, det.is_reviewed) == (True, "fawn", 1.0, True)
    assert (det.location_id, det.taken_at) == (img.location_id, img.taken_at)
    assert history(det) == [("added", None, "fawn 5,6,70,80")]
    det, _ = detection_undo(det.pk, bob)
    assert det.is_valid is False


def test_a_drawn_box_needs_a_known_class(bob):
    img = factories.image()
    with pytest.raises(ValidationError):
        detection_add(img, bob, (5, 6, 70, 80), "moose")
    assert not Detection.objects.exists()
