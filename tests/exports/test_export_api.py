"""SPEC §3: the export endpoints' status codes and bodies (unit: fakeredis + SimpleWorker burst)."""

import uuid

import pytest

from exports.models import ExportJob

pytestmark = pytest.mark.django_db
PDF = {"report_type": "seasonal_activity", "start_date": "2024-09-01", "end_date": "2025-01-31", "title": "Rut 2024"}


def test_post_pdf_answers_202_and_queues_one_job(alice, alice_client, post_export, redis_conn):
    response = post_export(alice_client, "pdf", PDF)
    assert response.status_code == 202
    body = response.json()
    job_id = body["job_id"]
    assert body == {
        "job_id": job_id,
        "status": "processing",
        "status_url": f"/api/exports/pdf/{job_id}",
        "message": f"PDF report generation queued. Poll GET /api/exports/pdf/{job_id} for status.",
    }
    row = ExportJob.objects.get(id=job_id)
    assert row.kind == "pdf" and row.requested_by == alice and row.state == "processing"
    assert row.params["start_date"] == "2024-09-01" and row.params["group_by"] == "month"
    from exports.services import queue

    assert queue().job_ids == [job_id]  # the RQ job id is the job id


def test_get_pdf_status_while_queued_and_after_completion(alice_client, post_export, run_jobs, ranch):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    queued = alice_client.get(f"/api/exports/pdf/{job_id}")
    assert queued.status_code == 200
    assert queued.json()["status"] == "processing" and queued.json()["stage"] == "queued"
    run_jobs()
    done = alice_client.get(f"/api/exports/pdf/{job_id}").json()
    assert done["status"] == "completed" and done["stage"] == "done" and done["progress_percent"] == 100
    assert done["filename"].startswith(f"report_{job_id}_") and done["filename"].endswith(".pdf")
    assert done["download_url"] == f"/api/static/exports/{done['filename']}"
    assert done["file_size_bytes"] > 1000 and done["error_message"] is None
    assert done["expires_at"] and done["completed_at"].endswith("Z")
    row = ExportJob.objects.get(id=job_id)
    assert (
        row.status == "completed"
        and row.filename == done["filename"]
        and row.file_size_bytes == done["file_size_bytes"]
    )


def test_post_zip_by_ids_reports_total_and_progress(alice_client, post_export, run_jobs, ranch):
    ids = [str(d.id) for d in ranch["detections"]]
    response = post_export(alice_client, "zip", {"detection_ids": ids, "crop_size": 256})
    assert response.status_code == 202
    body = response.json()
    assert body["total_detections"] == 4 and body["status"] == "processing"
    assert body["status_url"] == f"/api/exports/zip/{body['job_id']}"
    queued = alice_client.get(body["status_url"]).json()
    assert (queued["total_detections"], queued["processed_count"], queued["progress_percent"]) == (4, 0, 0)
    run_jobs()
    done = alice_client.get(body["status_url"]).json()
    assert done["status"] == "completed"
    assert (done["total_detections"], done["processed_count"], done["progress_percent"]) == (4, 4, 100)


def test_post_zip_by_filter_counts_the_selection(alice_client, post_export, ranch):
    body = {"start_date": "2024-10-01", "end_date": "2024-10-31", "classifications": ["buck"]}
    response = post_export(alice_client, "zip", body)
    assert response.status_code == 202
    assert response.json()["total_detections"] == 2  # one model buck + one corrected to buck


@pytest.mark.parametrize(
    "body,needle",
    [
        ({}, "Give detection_ids"),
        ({"detection_ids": []}, "at least 1"),
        ({"detection_ids": ["nope"]}, "not a valid UUID"),
        ({"detection_ids": [str(uuid.UUID(int=1))] * 2}, "Duplicate ids"),
        ({"detection_ids": [str(uuid.UUID(int=i)) for i in range(10_001)]}, "at most 10000"),
        ({"detection_ids": [str(uuid.UUID(int=1))], "crop_size": 100}, "between 128 and 1024"),
        ({"detection_ids": [str(uuid.UUID(int=1))], "crop_size": 2048}, "between 128 and 1024"),
        ({"detection_ids": [str(uuid.UUID(int=1))], "crop_size": "big"}, "whole number"),
        ({"detection_ids": [str(uuid.UUID(int=1))], "start_date": "2024-10-01"}, "not both"),
        ({"start_date": "2024-10-01"}, "end_date is required"),
        ({"start_date": "2024-10-31", "end_date": "2024-10-01"}, "start_date must be before end_date"),
        ({"start_date": "2020-01-01", "end_date": "2020-02-01"}, "No detections match"),
        ({"detection_ids": [str(uuid.UUID(int=1))], "format": "tar"}, "Unknown field 'format'"),
    ],
)
def test_bad_zip_requests_are_400_and_queue_nothing(alice_client, ranch, body, needle):
    response = alice_client.post("/api/exports/zip", body, format="json")
    assert response.status_code == 400, response.content
    assert needle in str(response.json())
    assert ExportJob.objects.count() == 0


def test_zip_filter_selecting_more_than_10000_is_rejected(alice_client, ranch, monkeypatch):
    from exports.api import serializers

    monkeypatch.setattr(serializers, "MAX_ZIP_DETECTIONS", 3)
    response = alice_client.post(
        "/api/exports/zip", {"start_date": "2024-10-01", "end_date": "2024-10-31"}, format="json"
    )
    assert response.status_code == 400
    assert "selects 4 detections; at most 3" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/exports/pdf/{uuid.uuid4()}",
        f"/api/exports/zip/{uuid.uuid4()}",
        "/api/exports/pdf/not-a-uuid",
    ],
    ids=["pdf-unknown-id", "zip-unknown-id", "pdf-not-a-uuid"],  # stable names: the same in every xdist worker
)
def test_unknown_job_is_404_with_the_spec_message(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found or expired"}


def test_expired_job_is_404(alice_client, post_export, redis_conn):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    redis_conn.delete(f"export_job:{job_id}")  # what expiry does
    assert alice_client.get(f"/api/exports/pdf/{job_id}").status_code == 404


def test_status_route_of_the_other_kind_is_404(alice_client, post_export):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    assert alice_client.get(f"/api/exports/zip/{job_id}").status_code == 404


def test_anonymous_requests_are_refused(client):
    assert client.post("/api/exports/pdf", PDF, content_type="application/json").status_code in (401, 403)
    assert client.get(f"/api/exports/pdf/{uuid.uuid4()}").status_code in (401, 403)


def test_delete_removes_key_file_and_marks_history(alice_client, post_export, run_jobs, ranch, redis_conn, settings):
    job_id = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    run_jobs()
    filename = alice_client.get(f"/api/exports/zip/{job_id}").json()["filename"]
    assert (settings.EXPORT_ROOT / filename).is_file()
    assert alice_client.delete(f"/api/exports/{job_id}").status_code == 204
    assert not (settings.EXPORT_ROOT / filename).exists()
    assert not redis_conn.exists(f"export_job:{job_id}")
    assert alice_client.get(f"/api/exports/zip/{job_id}").status_code == 404
    assert alice_client.delete(f"/api/exports/{job_id}").status_code == 404  # already gone: no key, nothing to cancel
    assert ExportJob.objects.get(id=job_id).status == "completed"  # history keeps what happened


def test_delete_unknown_job_is_404(alice_client):
    assert alice_client.delete(f"/api/exports/{uuid.uuid4()}").status_code == 404
    assert alice_client.delete("/api/exports/../etc").status_code == 404
