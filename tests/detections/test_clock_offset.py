"""Clock-offset correction: a deployment's images and detections move by the change of offset, the
others stay, and every change leaves a history row."""

from datetime import UTC, datetime, timedelta

import pytest

from detections.deployments import clock_offset_set
from detections.models import ClockCorrection, Deployment, Detection, Image
from tests import factories


def at(day, hour=12):
    return datetime(2025, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def two_cameras(db):
    north, south = factories.location("North"), factories.location("South")
    late = Deployment.objects.create(location=north, setup_at=at(1), pickup_at=at(10))
    Deployment.objects.create(location=north, setup_at=at(10), pickup_at=at(20))  # the swapped camera
    Deployment.objects.create(location=south, setup_at=at(1), pickup_at=at(20))
    inside = [factories.image(north, taken_at=at(day), write_file=False) for day in (2, 5, 9)]
    for img in inside:
        factories.detection(img, "doe")
        factories.detection(img, "fawn")
    after_swap = factories.image(north, taken_at=at(12), write_file=False)
    factories.detection(after_swap, "buck")
    elsewhere = factories.image(south, taken_at=at(5), write_file=False)
    factories.detection(elsewhere, "coyote")
    return late, inside, [after_swap, elsewhere]


def times(images):
    return [Image.objects.get(pk=img.pk).taken_at for img in images]


def test_offset_retimes_only_the_deployments_images_and_detections(two_cameras, bob):
    late, inside, others = two_cameras
    correction = clock_offset_set(late, 3600, bob)  # the camera was an hour slow after DST
    assert times(inside) == [at(day) + timedelta(hours=1) for day in (2, 5, 9)]
    for img in inside:
        assert set(Detection.objects.filter(image=img).values_list("taken_at", flat=True)) == {
            img.taken_at + timedelta(hours=1)
        }
    assert times(others) == [at(12), at(5)]
    assert set(Detection.objects.filter(image__in=others).values_list("taken_at", flat=True)) == {at(12), at(5)}
    assert (correction.old_offset, correction.new_offset, correction.images, correction.detections) == (0, 3600, 3, 6)
    assert correction.user == bob
    assert Deployment.objects.get(pk=late.pk).clock_offset == 3600


def test_changing_again_moves_by_the_difference_and_records_each_change(two_cameras):
    late, inside, _ = two_cameras
    clock_offset_set(late, 3600)
    assert clock_offset_set(late, 3600) is None  # no change, no history row
    clock_offset_set(late, 1800)
    assert times(inside) == [at(day) + timedelta(minutes=30) for day in (2, 5, 9)]
    clock_offset_set(late, 0)
    assert times(inside) == [at(day) for day in (2, 5, 9)]
    history = list(ClockCorrection.objects.filter(deployment=late).values_list("old_offset", "new_offset"))
    assert history == [(0, 3600), (3600, 1800), (1800, 0)]


def test_absurd_offset_is_refused_and_nothing_moves(two_cameras):
    late, inside, _ = two_cameras
    with pytest.raises(ValueError, match="at most"):
        clock_offset_set(late, 400 * 365 * 86400)
    assert times(inside) == [at(day) for day in (2, 5, 9)]
    assert not ClockCorrection.objects.exists()
