"""Burst grouping: one location, one class, within REID_BURST_SECONDS -> one deer."""

from datetime import timedelta

import numpy as np
import pytest

from detections.models import Detection
from reid.bursts import BurstRow, group_bursts
from reid.models import Deer
from reid.services import run_matching
from tests import factories
from tests.reid.helpers import T0, latent

pytestmark = pytest.mark.django_db


def frame(loc, seconds, vector, classification="doe", bbox=(10, 10, 100, 80), img=None):
    img = img or factories.image(loc=loc, taken_at=T0 + timedelta(seconds=seconds), write_file=False)
    return factories.detection(img, classification=classification, embedding=vector, bbox=bbox)


def test_frames_within_the_window_get_one_deer_even_with_unlike_embeddings():
    loc = factories.location()
    # three frames 3 s apart: a chain, each within 5 s of the previous
    for i in range(3):
        frame(loc, 3 * i, latent(i))
    run = run_matching()
    assert Deer.objects.count() == 1 and run.params["attempts"] == 1
    assert set(Detection.objects.values_list("deer", flat=True)) == {Deer.objects.get().id}
    assert Deer.objects.get().sighting_count == 3


def test_other_location_other_class_or_later_are_separate_bursts():
    loc, elsewhere = factories.location(), factories.location()
    frame(loc, 0, latent(1))
    frame(elsewhere, 1, latent(2))
    frame(loc, 2, latent(3), classification="buck")
    frame(loc, 8, latent(4))  # 8 s after the first doe: a new burst
    run = run_matching()
    assert run.params["attempts"] == 4 and Deer.objects.count() == 4


def test_a_new_frame_joins_the_burst_of_an_already_assigned_detection():
    loc = factories.location()
    first = frame(loc, 0, latent(1))
    run_matching()
    late = frame(loc, 4, latent(9))  # unlike embedding, but the same burst
    run = run_matching(detection_ids=[late.id])
    late.refresh_from_db()
    first.refresh_from_db()
    assert late.deer_id == first.deer_id and run.params["burst_linked"] == 1 and Deer.objects.count() == 1
    assert Deer.objects.get().sighting_count == 2


def test_two_does_in_the_same_frames_stay_two_deer():
    loc = factories.location()
    a, b = latent(1), latent(2)
    for i in range(3):
        img = factories.image(loc=loc, taken_at=T0 + timedelta(seconds=2 * i), write_file=False)
        frame(loc, 0, a, bbox=(10 + 10 * i, 100, 150, 100), img=img)
        frame(loc, 0, b, bbox=(400 - 10 * i, 120, 160, 110), img=img)
    run_matching()
    assert Deer.objects.count() == 2
    for deer in Deer.objects.all():
        vectors = [d.get_embedding() for d in Detection.objects.filter(deer=deer)]
        assert len(vectors) == 3 and len({tuple(np.round(v, 4)) for v in vectors}) == 1


def test_group_bursts_splits_tracks_by_box_position():
    rows = []
    for i in range(3):
        image = f"img{i}"
        t = T0 + timedelta(seconds=i)
        rows.append(BurstRow(f"a{i}", "L", "doe", t, image, (10 + 20 * i, 100, 150, 100), 0.9))
        rows.append(BurstRow(f"b{i}", "L", "doe", t, image, (400 - 20 * i, 100, 150, 100), 0.9))
    tracks = sorted(sorted(r.id for r in t) for t in group_bursts(rows, 5))
    assert tracks == [["a0", "a1", "a2"], ["b0", "b1", "b2"]]


def test_tracks_come_in_time_order_whatever_the_location_ids():
    """Attempts are decided in time order: a later sighting at a location with a smaller id must
    not be matched before an earlier one elsewhere."""
    rows = [
        BurstRow("late", "a-location", "doe", T0 + timedelta(hours=2), "i1", (10, 10, 50, 50), 0.9),
        BurstRow("early", "z-location", "doe", T0, "i2", (10, 10, 50, 50), 0.9),
        BurstRow("middle", "m-location", "buck", T0 + timedelta(hours=1), "i3", (10, 10, 50, 50), 0.9),
    ]
    assert [t[0].id for t in group_bursts(rows, 5)] == ["early", "middle", "late"]
