"""The fault suite with real processes (issue 15): each fault ends with a readable status, no job
left active and no partial file. (Worker SIGKILL mid-export: tests/exports/
test_integration_worker_lifecycle.py; mid-re-ID run: tests/core/test_runner_integration.py; Redis
stopped and restarted mid-job: test_redis_outage.py.)"""

import os
import subprocess

import django_rq
import pytest
from rq import Worker
from rq.job import Job

from core import runner
from exports.models import ExportJob
from reid.models import ReidRun
from tests.exports.test_integration_worker_lifecycle import slow_export_ids, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MESSAGE = {"detail": "Job queue unavailable, try again later"}


def finished(client, url):
    response = client.get(url)
    return response.status_code == 200 and (doc := response.json())["status"] != "processing" and doc


def test_redis_down_at_post_answers_503_creates_nothing_and_works_once_redis_is_back(
    alice_client, own_redis, start_worker
):
    ids = slow_export_ids(n_images=2, per_image=1)
    start_worker("exports")
    own_redis.stop()
    response = alice_client.post("/api/exports/zip", {"detection_ids": ids}, format="json")
    assert response.status_code == 503 and response.json() == MESSAGE
    assert ExportJob.objects.count() == 0
    own_redis.start()
    assert own_redis.conn.keys("export_job:*") == []
    body = alice_client.post("/api/exports/zip", {"detection_ids": ids}, format="json").json()
    doc = wait_for(lambda: finished(alice_client, body["status_url"]), 120, step=1)
    assert doc and doc["status"] == "completed", "the worker did not take the job after Redis came back"
    assert ExportJob.objects.count() == 1


@pytest.fixture
def unwritable_export_root(settings):
    """EXPORT_ROOT made unwritable: mode 0555, and immutable when running as root (root ignores modes)."""
    root = settings.EXPORT_ROOT
    root.chmod(0o555)
    immutable = os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(root)], capture_output=True).returncode == 0
    try:
        (root / "probe").touch()
    except OSError:
        pass
    else:
        (root / "probe").unlink()
        root.chmod(0o755)
        pytest.skip("cannot make a directory unwritable here (root without chattr +i)")
    yield root
    if immutable:
        subprocess.run(["chattr", "-i", str(root)], check=True)
    root.chmod(0o755)


def test_unwritable_export_directory_fails_the_job_readably(alice_client, unwritable_export_root, start_worker):
    ids = slow_export_ids(n_images=2, per_image=1)
    start_worker("exports")
    body = alice_client.post("/api/exports/zip", {"detection_ids": ids}, format="json").json()
    doc = wait_for(lambda: finished(alice_client, body["status_url"]), 120, step=1)
    assert doc, "the job still reads processing"
    assert doc["status"] == "failed"
    assert doc["error_message"].startswith("The ZIP archive could not be created: ")
    assert "Permission denied" in doc["error_message"] or "not permitted" in doc["error_message"]
    assert "Traceback" not in doc["error_message"]
    assert list(unwritable_export_root.iterdir()) == []
    assert ExportJob.objects.get(id=body["job_id"]).status == "failed"


def test_two_workers_racing_for_one_job_run_it_once(start_worker, redis_conn, tmp_path):
    """The same job delivered twice (two RQ jobs for one row) to two idle workers: one carries it out,
    the other finds it running already (core.jobs: mark_running moves only a queued job)."""
    run = ReidRun.objects.create(kind=ReidRun.Kind.REPROCESS, threshold=0.7)
    notes = tmp_path / "runs.txt"
    start_worker("default")
    start_worker("default")
    assert wait_for(lambda: len(Worker.all(connection=redis_conn)) == 2, 60), "the workers did not start"
    queue = django_rq.get_queue("default")
    job_ids = [f"race-{run.id}-{copy}" for copy in (1, 2)]
    for job_id in job_ids:
        runner.enqueue(
            run,
            "tests.faults.race_jobs.noted_reid_run",
            str(run.id),
            str(notes),
            queue=queue,
            timeout=120,
            rq_job_id=job_id,
        )
    done = lambda: all(Job.fetch(i, connection=redis_conn).get_status(refresh=True) == "finished" for i in job_ids)  # noqa: E731
    assert wait_for(done, 120), "the two deliveries did not both end"
    workers = {Job.fetch(i, connection=redis_conn).worker_name for i in job_ids}
    assert len(workers) == 2, "one worker took both deliveries: no race happened"
    assert len(notes.read_text().splitlines()) == 1
    run.refresh_from_db()
    assert run.status == "completed" and run.processed_count == 1
