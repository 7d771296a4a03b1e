"""The detections_corrected signal: what detections tells other apps (reid) about corrections."""

import uuid

import pytest

from detections.models import Detection, DetectionCorrection
from detections.services import detection_correct, detections_batch_correct
from detections.signals import detections_corrected
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    """Every detections_corrected signal sent during the test, with what the database held when it was."""
    calls = []

    def receiver(sender, detection_ids, deer, **kwargs):
        calls.append(
            {
                "sender": sender,
                "detection_ids": list(detection_ids),
                "deer": [d.pk for d in deer],
                "linked_in_db": set(Detection.objects.filter(pk__in=detection_ids).values_list("pk", "deer_id")),
                "history_rows": DetectionCorrection.objects.filter(detection_id__in=detection_ids).count(),
            }
        )

    detections_corrected.connect(receiver, dispatch_uid="tests-corrected-capture")
    yield calls
    detections_corrected.disconnect(dispatch_uid="tests-corrected-capture")


def test_invalidating_a_linked_detection_names_its_deer_after_the_writes(bob, sent):
    stag = factories.deer(sex="buck")
    det = factories.detection(classification="buck", deer=stag)

    detection_correct(det.id, bob, is_valid=False)

    assert len(sent) == 1
    call = sent[0]
    assert (call["sender"], call["detection_ids"], call["deer"]) == (Detection, [det.id], [stag.pk])
    # receivers see the correction already written: the detection unlinked, its history rows stored
    assert call["linked_in_db"] == {(det.id, None)}
    assert call["history_rows"] == 3  # is_valid, is_reviewed, deer


def test_a_correction_that_leaves_the_deer_alone_names_no_deer(bob, sent):
    stag = factories.deer(sex="buck")
    linked = factories.detection(classification="buck", deer=stag)
    unlinked = factories.detection(classification="doe")

    detection_correct(linked.id, bob, correction_notes="good antlers")
    detection_correct(unlinked.id, bob, corrected_classification="fawn")

    assert [(c["detection_ids"], c["deer"]) for c in sent] == [([linked.id], []), ([unlinked.id], [])]


def test_batch_sends_once_with_found_ids_in_request_order_and_each_deer_once(bob, sent):
    stag, hind = factories.deer(sex="buck"), factories.deer(sex="doe")
    a = factories.detection(classification="buck", deer=stag)
    b = factories.detection(classification="buck", deer=stag)
    c = factories.detection(classification="doe", deer=hind)
    free = factories.detection(classification="doe")
    missing = uuid.uuid4()

    detections_batch_correct([c.id, missing, free.id, a.id, b.id], bob, is_valid=False)

    assert len(sent) == 1
    assert sent[0]["detection_ids"] == [c.id, free.id, a.id, b.id]
    assert sorted(sent[0]["deer"]) == sorted([stag.pk, hind.pk])


def test_a_failing_receiver_rolls_the_correction_back(bob):
    stag = factories.deer(sex="buck")
    det = factories.detection(classification="buck", deer=stag)

    def broken(**kwargs):
        raise RuntimeError("receiver failed")

    detections_corrected.connect(broken, dispatch_uid="tests-corrected-broken")
    try:
        with pytest.raises(RuntimeError):
            detection_correct(det.id, bob, is_valid=False)
    finally:
        detections_corrected.disconnect(dispatch_uid="tests-corrected-broken")
    det.refresh_from_db()
    assert (det.is_valid, det.is_reviewed, det.deer_id) == (True, False, stag.pk)
    assert not DetectionCorrection.objects.filter(detection=det).exists()
