"""Live matching without a job per image: uploads flag detections pending and queue at most one
debounced run; the run matches everything pending; what arrives while it runs gets one follow-up run."""

import pytest

from detections.models import Detection
from detections.signals import detections_created
from reid import live
from reid.models import ReidRun, ReviewItem
from tests import factories
from tests.detections.helpers import det, upload
from tests.reid.helpers import hours, latent, sighting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_debounce_wait(settings):
    settings.REID_LIVE_DEBOUNCE_SECONDS = 0


def announce(ids, capture):
    with capture(execute=True):
        detections_created.send(sender=Detection, detection_ids=list(ids))


def test_two_announcements_queue_one_run_that_matches_both(run_jobs, django_capture_on_commit_callbacks):
    loc = factories.location()
    first, second = sighting(loc, hours(0), latent(1)), sighting(loc, hours(5), latent(2))
    announce([first.id], django_capture_on_commit_callbacks)
    announce([second.id], django_capture_on_commit_callbacks)
    assert ReidRun.objects.count() == 1
    assert set(Detection.objects.filter(reid_pending=True).values_list("id", flat=True)) == {first.id, second.id}
    queue = run_jobs()
    assert queue.count == 0
    run = ReidRun.objects.get()
    assert run.kind == "live" and run.status == "completed" and run.processed_count == 2
    assert not Detection.objects.filter(deer=None).exists()
    assert not Detection.objects.filter(reid_pending=True).exists()


def test_without_an_override_the_run_decides_in_probability_when_it_starts(
    settings, run_jobs, django_capture_on_commit_callbacks
):
    settings.REID_THRESHOLD = settings.REID_REVIEW_THRESHOLD = None  # the default: calibrated decisions
    loc = factories.location()
    first, second = sighting(loc, hours(0), latent(1)), sighting(loc, hours(5), latent(2))
    announce([first.id, second.id], django_capture_on_commit_callbacks)  # nothing fitted in the upload itself
    assert ReidRun.objects.get().params["calibrated"] == live.AT_RUN_TIME
    run_jobs()
    run = ReidRun.objects.get(kind="live")
    assert run.status == "completed" and set(run.params["calibrated"]) == {first.embedding_model}
    # a new model with two sightings has too little evidence: nothing is linked or created blindly
    assert not Detection.objects.filter(deer__isnull=False).exists()
    assert ReviewItem.objects.count() == 2


def test_arrivals_during_a_run_get_exactly_one_follow_up_run(run_jobs, monkeypatch, django_capture_on_commit_callbacks):
    loc = factories.location()
    early = sighting(loc, hours(0), latent(1))
    late = [sighting(loc, hours(10 + i), latent(5 + i)) for i in range(3)]
    announce([early.id], django_capture_on_commit_callbacks)
    original = live.PendingIds.__iter__
    arrived = []

    def read_then_more_arrive(self):
        ids = list(original(self))
        if not arrived:  # three uploads land while the first run is running
            arrived.extend(late)
            for one in late:
                announce([one.id], django_capture_on_commit_callbacks)
        return iter(ids)

    monkeypatch.setattr(live.PendingIds, "__iter__", read_then_more_arrive)
    run_jobs()
    runs = list(ReidRun.objects.order_by("created_at"))
    assert [r.status for r in runs] == ["completed", "completed"]
    assert [r.processed_count for r in runs] == [1, 3]
    assert not Detection.objects.filter(deer=None).exists()
    assert not Detection.objects.filter(reid_pending=True).exists()


def test_a_failed_run_leaves_its_detections_pending(run_jobs, monkeypatch, django_capture_on_commit_callbacks):
    loc = factories.location()
    one = sighting(loc, hours(0), latent(1))
    announce([one.id], django_capture_on_commit_callbacks)

    from reid import planner

    working, broken = planner.plan_chunk, [True]

    def plan_chunk(*args, **kwargs):
        if broken:
            raise RuntimeError("disk full")
        return working(*args, **kwargs)

    monkeypatch.setattr(planner, "plan_chunk", plan_chunk)
    run_jobs()
    assert ReidRun.objects.get().status == "failed"
    assert Detection.objects.get().reid_pending
    broken.clear()
    announce([one.id], django_capture_on_commit_callbacks)  # the next upload's run takes it along
    run_jobs()
    assert Detection.objects.get().deer_id is not None and not Detection.objects.get().reid_pending


def test_detections_that_cannot_be_matched_are_not_flagged(run_jobs, django_capture_on_commit_callbacks):
    loc = factories.location()
    raccoon = sighting(loc, hours(0), latent(1), classification="raccoon")
    no_vector = factories.detection(factories.image(loc=loc, taken_at=hours(1)), classification="doe")
    announce([raccoon.id, no_vector.id], django_capture_on_commit_callbacks)
    assert not ReidRun.objects.exists() and not Detection.objects.filter(reid_pending=True).exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_uploads_make_one_run_on_a_real_worker(bob_client, redis_conn, start_worker):
    factories.location("Hayfield", timezone="America/Chicago")
    for index, seed in enumerate((4, 9)):
        vector = [float(v) for v in factories.unit_vector(16, seed=seed)]
        response = upload(
            bob_client,
            factories.jpeg_bytes(640, 480 + index),
            {
                "location": "Hayfield",
                "taken_at": f"2024-10-1{5 + index}T06:30:00",
                "detections": [det((100, 100, 200, 150), 0.95, "buck", embedding=vector, embedding_model="it-16")],
            },
            name=f"IMG_{index}.JPG",
        )
        assert response.status_code == 201, response.json()
    assert redis_conn.llen("rq:queue:default") == 1  # one run for both uploads

    worker = start_worker("default", extra_args=("--burst",))
    assert worker.wait(timeout=120) == 0

    run = ReidRun.objects.get()
    assert run.kind == "live" and run.status == "completed" and run.processed_count == 2
    assert not Detection.objects.filter(deer=None).exists()
    assert not Detection.objects.filter(reid_pending=True).exists()
