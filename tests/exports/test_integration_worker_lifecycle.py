"""Real worker processes against a real redis-server: a killed worker's job reads failed (SPEC §4,
within 2 minutes), DELETE stops a running job and nothing comes back."""

import hashlib
import io
import time
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from django.conf import settings
from PIL import Image as PILImage

from detections.models import Detection, Image, Location
from tests.processes import kill_tree, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def slow_export_ids(n_images=60, per_image=4):
    """Detections whose crops take a while: big noisy photos, large boxes, crop_size 1024."""
    site = Location.objects.create(name="Hayfield")
    rng = np.random.default_rng(1)
    ids = []
    for index in range(n_images):
        pixels = rng.integers(0, 255, size=(1200, 1600, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        PILImage.fromarray(pixels).save(buffer, "JPEG", quality=85)
        relative = f"slow/{index}.jpg"
        (settings.IMAGE_ROOT / "slow").mkdir(parents=True, exist_ok=True)
        (settings.IMAGE_ROOT / relative).write_bytes(buffer.getvalue())
        img = Image.objects.create(
            location=site,
            file=relative,
            filename=f"{index}.jpg",
            sha256=hashlib.sha256(buffer.getvalue()).hexdigest(),
            width=1600,
            height=1200,
            taken_at=datetime(2024, 10, 1, 12, tzinfo=UTC),
        )
        for box in range(per_image):
            ids.append(
                str(
                    Detection.objects.create(
                        image=img,
                        bbox_x=box * 50,
                        bbox_y=box * 40,
                        bbox_width=1400,
                        bbox_height=1100,
                        confidence=0.9,
                        classification="doe",
                    ).id
                )
            )
    return ids


def running(client, url):
    doc = client.get(url).json()
    return doc if doc["status"] == "processing" and doc["processed_count"] > 0 else None


def test_killed_worker_job_reads_failed_within_two_minutes(alice_client, start_worker):
    ids = slow_export_ids()
    worker = start_worker("exports")
    body = alice_client.post("/api/exports/zip", {"detection_ids": ids, "crop_size": 1024}, format="json").json()
    assert wait_for(lambda: running(alice_client, body["status_url"]), 120), "the export never started"
    kill_tree(worker)  # worker and its work-horse die mid-job (OOM killer, power loss of a container...)
    start_worker("exports")  # the remaining (or restarted) worker notices
    doc = wait_for(
        lambda: (d := alice_client.get(body["status_url"]).json())["status"] != "processing" and d, 120, step=1
    )
    assert doc, "the job still reads processing 2 minutes after its worker was killed"
    assert doc["status"] == "failed"
    assert "stopped (killed or crashed)" in doc["error_message"]
    assert not list(settings.EXPORT_ROOT.glob(f"*{body['job_id']}*"))


def test_delete_stops_a_running_job_and_nothing_is_recreated(alice_client, start_worker, redis_conn):
    ids = slow_export_ids(n_images=40)
    start_worker("exports")
    body = alice_client.post("/api/exports/zip", {"detection_ids": ids, "crop_size": 1024}, format="json").json()
    assert wait_for(lambda: running(alice_client, body["status_url"]), 120), "the export never started"
    assert alice_client.delete(f"/api/exports/{body['job_id']}").status_code == 204
    from rq.job import Job

    job = Job.fetch(body["job_id"], connection=redis_conn)
    assert wait_for(lambda: job.get_status(refresh=True) in ("stopped", "failed", "canceled"), 60)
    time.sleep(2)
    assert not redis_conn.exists(f"export_job:{body['job_id']}")
    assert not list(settings.EXPORT_ROOT.iterdir())
    assert alice_client.get(body["status_url"]).status_code == 404
    from exports.models import ExportJob

    assert ExportJob.objects.get(id=body["job_id"]).status == "cancelled"


def test_queued_job_waits_for_a_worker_and_lists_missing_ids(alice_client, start_worker):
    """A queued job waits for a worker; a worker started later runs it."""
    ids = slow_export_ids(n_images=2, per_image=1)
    body = alice_client.post("/api/exports/zip", {"detection_ids": ids + [str(uuid.uuid4())]}, format="json").json()
    time.sleep(1)
    assert alice_client.get(body["status_url"]).json()["stage"] == "queued"
    start_worker("exports")
    doc = wait_for(lambda: (d := alice_client.get(body["status_url"]).json())["status"] != "processing" and d, 120)
    assert doc["status"] == "completed" and doc["processed_count"] == 2


def test_worker_maintenance_deletes_files_of_expired_jobs(start_worker, redis_conn):
    """The worker's maintenance pass (at start-up, then every EXPORT_MAINTENANCE_INTERVAL s), no cron needed."""
    live_id, expired_id = uuid.uuid4(), uuid.uuid4()
    redis_conn.set(f"export_job:{live_id}", "{}")  # its status copy still exists
    live = settings.EXPORT_ROOT / f"detections_{live_id}_20240101_000000.zip"
    expired = settings.EXPORT_ROOT / f"detections_{expired_id}_20240101_000000.zip"
    live.write_bytes(b"PK")
    expired.write_bytes(b"PK")
    start_worker("default", "exports", extra_args=("--with-scheduler",))  # as `make run` starts it
    assert wait_for(lambda: not expired.exists(), 90), "the worker did not delete the expired file"
    assert live.exists()
