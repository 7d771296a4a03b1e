"""Reprocess and backfill as jobs: managers only, validation, dry-run preview, progress."""

import pytest

from detections.models import Detection
from detections.signals import detections_created
from reid.models import Deer, ReidRun, SimilarityScore
from reid.services import run_matching
from tests import factories
from tests.reid.helpers import hours, latent, sighting

pytestmark = pytest.mark.django_db


@pytest.fixture
def unassigned():
    loc = factories.location()
    return [sighting(loc, hours(i), latent(1 + i // 2)) for i in range(4)]  # two does, two sightings each


def post(client, path, body, capture):
    with capture(execute=True):
        return client.post(path, body, format="json")


def test_reprocess_dry_run_previews_and_writes_nothing(
    charlie_client, unassigned, run_jobs, django_capture_on_commit_callbacks
):
    answer = post(
        charlie_client, "/api/reid/reprocess", {"threshold": 0.8, "dry_run": True}, django_capture_on_commit_callbacks
    )
    assert answer.status_code == 202 and answer.json()["status"] == "queued" and answer.json()["dry_run"]
    run_jobs()
    status = charlie_client.get(answer.json()["status_url"]).json()
    assert status["status"] == "completed" and status["progress_percent"] == 100
    assert (status["created_count"], status["linked_count"], status["processed_count"]) == (2, 4, 4)
    assert not Deer.objects.exists() and not SimilarityScore.objects.exists()


def test_reprocess_for_real_links(charlie_client, unassigned, run_jobs, django_capture_on_commit_callbacks):
    answer = post(
        charlie_client, "/api/reid/reprocess", {"threshold": 0.8, "dry_run": False}, django_capture_on_commit_callbacks
    )
    run_jobs()
    run = ReidRun.objects.get(pk=answer.json()["id"])
    assert run.kind == "reprocess" and run.threshold == 0.8 and run.status == "completed"
    assert Deer.objects.count() == 2 and not Detection.objects.filter(deer=None).exists()


def test_reprocess_validation_and_roles(bob_client, charlie_client, redis_conn):
    assert bob_client.post("/api/reid/reprocess", {"threshold": 0.8}, format="json").status_code == 403
    too_high = charlie_client.post("/api/reid/reprocess", {"threshold": 1.5}, format="json")
    assert too_high.status_code == 400 and "threshold" in too_high.json()["errors"]
    crossed = charlie_client.post("/api/reid/reprocess", {"threshold": 0.6, "review_threshold": 0.7}, format="json")
    assert crossed.status_code == 400 and crossed.json()["detail"] == "review_threshold must not be above threshold."
    missing = charlie_client.post("/api/reid/reprocess", {}, format="json")
    assert missing.status_code == 400 and "threshold" in missing.json()["errors"]
    unknown = charlie_client.post("/api/reid/reprocess", {"threshold": 0.6, "thresold": 1}, format="json")
    assert unknown.status_code == 400 and "thresold" in unknown.json()["errors"]
    assert not ReidRun.objects.exists() and redis_conn.keys("rq:job:*") == []


def test_backfill_job_logs_leave_one_out_scores(
    charlie_client, unassigned, run_jobs, django_capture_on_commit_callbacks
):
    run_matching()
    answer = post(charlie_client, "/api/reid/backfill", {}, django_capture_on_commit_callbacks)
    assert answer.status_code == 202
    run_jobs()
    run = ReidRun.objects.get(pk=answer.json()["id"])
    assert run.status == "completed" and run.kind == "backfill" and run.processed_count == 4
    first = unassigned[0]
    first.refresh_from_db()
    own = SimilarityScore.objects.get(run=run, detection=first, deer=first.deer)
    # leave-one-out: against its own deer the centroid is that of the other member (identical vector)
    assert own.rank == 1 and own.score == pytest.approx(1.0, abs=1e-5)
    assert SimilarityScore.objects.filter(run=run).count() == 8  # 4 detections x 2 doe profiles


def test_backfill_skips_a_lone_profile_for_its_only_member(
    charlie_client, run_jobs, django_capture_on_commit_callbacks
):
    loc = factories.location()
    lone = sighting(loc, hours(0), latent(1))
    run_matching()
    post(charlie_client, "/api/reid/backfill", {}, django_capture_on_commit_callbacks)
    run_jobs()
    assert not SimilarityScore.objects.filter(run__kind="backfill", detection=lone).exists()


def test_backfill_needs_a_manager(bob_client):
    assert bob_client.post("/api/reid/backfill", {}, format="json").status_code == 403


def test_runs_are_listed_for_signed_in_users(alice_client, unassigned):
    run = run_matching()
    body = alice_client.get("/api/reid/runs/").json()
    assert body["count"] == 1 and body["results"][0]["id"] == str(run.id)
    assert alice_client.get(f"/api/reid/runs/{run.id}").json()["linked_count"] == 4


def test_new_detections_signal_queues_live_matching(
    unassigned, run_jobs, redis_conn, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        detections_created.send(sender=Detection, detection_ids=[d.id for d in unassigned[:2]])
    queue = run_jobs()
    assert queue.count == 0
    run = ReidRun.objects.get()
    assert run.kind == "live" and run.processed_count == 2 and run.status == "completed"
    assert Detection.objects.exclude(deer=None).count() == 2


def test_signal_with_redis_down_does_not_break_ingest(unassigned, monkeypatch, django_capture_on_commit_callbacks):
    import django_rq
    from redis.exceptions import ConnectionError

    class Down:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("down")

    monkeypatch.setattr(django_rq, "get_queue", lambda *a, **k: Down())
    with django_capture_on_commit_callbacks(execute=True):
        detections_created.send(sender=Detection, detection_ids=[unassigned[0].id])
    assert not ReidRun.objects.exists()


def test_queueing_a_run_with_redis_down_marks_it_failed(monkeypatch, django_capture_on_commit_callbacks):
    """(The API turns the re-raised redis error into 503 "Job queue unavailable, try again later".)"""
    import django_rq
    from redis.exceptions import ConnectionError

    from reid.queueing import create_queued_run, enqueue_run

    class Down:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("down")

    monkeypatch.setattr(django_rq, "get_queue", lambda *a, **k: Down())
    run = create_queued_run("reprocess", 0.8)
    with pytest.raises(ConnectionError):
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_run(run)
    run.refresh_from_db()
    assert run.status == "failed" and run.error == "Job queue unavailable"


def test_a_batch_without_deer_makes_no_run(run_jobs, django_capture_on_commit_callbacks):
    loc = factories.location()
    raccoon = sighting(loc, hours(0), latent(1), classification="raccoon")
    with django_capture_on_commit_callbacks(execute=True):
        detections_created.send(sender=Detection, detection_ids=[raccoon.id])
    run_jobs()
    assert not ReidRun.objects.exists()
