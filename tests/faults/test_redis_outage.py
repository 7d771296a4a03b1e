"""Redis stopped and started again while an export runs (issue 15, "workers that survive"): the
worker keeps running, the export ends with a readable status, no partial file, and the same worker
takes the next job: nobody starts a worker."""

import pytest
from django.conf import settings

from exports.models import ExportJob
from tests.exports.test_integration_worker_lifecycle import running, slow_export_ids, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def finished(client, url):
    response = client.get(url)
    return response.status_code == 200 and (doc := response.json())["status"] != "processing" and doc


def met_the_outage(worker, log, job_id):
    """The worker met the outage in its own loop (a heartbeat of the running job failed), or died of it."""
    return worker.poll() is not None or "heartbeat of job" in log.read_text(errors="replace")


def outlived_the_job(worker, log, job_id):
    """The export finished (in the database) while Redis was away, or the worker died."""
    return worker.poll() is not None or ExportJob.objects.get(id=job_id).status != "running"


@pytest.mark.parametrize("outage_lasts_until", [met_the_outage, outlived_the_job])
def test_redis_stopped_and_restarted_mid_job(alice_client, own_redis, start_worker, tmp_path, outage_lasts_until):
    """Redis stays away until the worker has met the outage, or until the export has finished: then
    its outcome is published by the worker's next maintenance pass (the publish failed meanwhile)."""
    ids = slow_export_ids(n_images=40)
    worker = start_worker("exports")
    body = alice_client.post("/api/exports/zip", {"detection_ids": ids, "crop_size": 1024}, format="json").json()
    assert wait_for(lambda: running(alice_client, body["status_url"]), 120), "the export never started"

    own_redis.stop()
    log = tmp_path / "worker-1.log"
    assert wait_for(lambda: outage_lasts_until(worker, log, body["job_id"]), 120)
    own_redis.start()

    doc = wait_for(lambda: finished(alice_client, body["status_url"]), 120, step=1)
    assert worker.poll() is None, "the worker exited:\n" + log.read_text(errors="replace")[-3000:]
    assert doc, "the export still reads processing 2 minutes after Redis came back"
    assert doc["status"] in ("completed", "failed"), doc
    if doc["status"] == "failed":
        assert doc["error_message"] and "Traceback" not in doc["error_message"]
    assert not list(settings.EXPORT_ROOT.glob("*.partial"))

    small = alice_client.post("/api/exports/zip", {"detection_ids": ids[:2]}, format="json").json()
    doc = wait_for(lambda: finished(alice_client, small["status_url"]), 120, step=1)
    assert doc and doc["status"] == "completed", "the surviving worker did not take the next job"
