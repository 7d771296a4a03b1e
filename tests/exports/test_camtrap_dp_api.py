"""POST /api/exports/camtrap-dp and GET /api/exports/camtrap-dp/{job_id}: the ZIP export's contract."""

import re
import uuid
from datetime import timedelta

import pytest

from exports import files
from exports.models import ExportJob
from reports.validation import local_today
from tests import factories

pytestmark = pytest.mark.django_db
OCTOBER = {"start_date": "2024-10-01", "end_date": "2024-10-31"}
NOT_FOUND = {"detail": "Job not found or expired"}


def test_post_answers_202_and_queues_one_job(alice, alice_client, post_export, ranch):
    response = post_export(alice_client, "camtrap-dp", OCTOBER)
    assert response.status_code == 202
    body = response.json()
    job_id = body["job_id"]
    assert body == {
        "job_id": job_id,
        "status": "processing",
        "total_detections": 4,
        "status_url": f"/api/exports/camtrap-dp/{job_id}",
        "message": f"Camtrap DP package creation queued. Poll GET /api/exports/camtrap-dp/{job_id} for status.",
    }
    row = ExportJob.objects.get(id=job_id)
    assert row.kind == "camtrap_dp" and row.requested_by == alice and row.state == "processing"
    assert row.params == {
        "start_date": "2024-10-01",
        "end_date": "2024-10-31",
        "group_by": "month",
        "location_ids": [],
        "classifications": [],
        "include_images": False,
        "base_url": "http://testserver/",
    }
    from exports.services import queue

    assert queue().job_ids == [job_id]


def test_status_while_queued_and_after_completion(alice_client, post_export, run_jobs, ranch, settings):
    body = post_export(alice_client, "camtrap-dp", {**OCTOBER, "classifications": ["buck"]}).json()
    queued = alice_client.get(body["status_url"])
    assert queued.status_code == 200
    doc = queued.json()
    assert (doc["kind"], doc["status"], doc["stage"]) == ("camtrap_dp", "processing", "queued")
    assert (doc["total_detections"], doc["processed_count"], doc["progress_percent"]) == (2, 0, 0)
    run_jobs()
    done = alice_client.get(body["status_url"]).json()
    assert (done["status"], done["stage"], done["progress_percent"]) == ("completed", "done", 100)
    assert (done["total_detections"], done["processed_count"]) == (2, 2)
    assert re.fullmatch(rf"camtrap_dp_{body['job_id']}_\d{{8}}_\d{{6}}\.zip", done["filename"])
    assert done["download_url"] == f"/api/static/exports/{done['filename']}"
    assert done["file_size_bytes"] == (settings.EXPORT_ROOT / done["filename"]).stat().st_size
    assert done["error"] is None and done["error_message"] is None and done["expires_at"]
    download = alice_client.get(done["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert (
        download["Content-Disposition"].startswith("attachment") and done["filename"] in download["Content-Disposition"]
    )
    row = ExportJob.objects.get(id=body["job_id"])
    assert row.status == "completed" and row.filename == done["filename"]


def _future(days):
    return (local_today() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    "make_body,detail",
    [
        (lambda: {"start_date": "2024-10-31", "end_date": "2024-10-01"}, "start_date must be before end_date"),
        (lambda: {"start_date": "2024-10-01", "end_date": "2024-10-01"}, "start_date must be before end_date"),
        (lambda: {"start_date": "2023-10-01", "end_date": "2024-10-01"}, "Date range cannot exceed 1 year"),
        (lambda: {**OCTOBER, "group_by": "year"}, "group_by must be one of: day, month, week"),
        (lambda: {"start_date": _future(1), "end_date": _future(2)}, "start_date cannot be in the future"),
        (lambda: {"start_date": _future(-30), "end_date": _future(1)}, "end_date cannot be in the future"),
    ],
)
def test_vr_rules_with_the_exact_messages(alice_client, ranch, make_body, detail):
    response = alice_client.post("/api/exports/camtrap-dp", make_body(), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == detail
    assert ExportJob.objects.count() == 0


def test_every_violation_listed_in_vr_order(alice_client):
    response = alice_client.post(
        "/api/exports/camtrap-dp",
        {
            "start_date": _future(10),
            "end_date": _future(5),
            "group_by": "hour",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "start_date must be before end_date"
    assert body["errors"] == {
        "start_date": ["start_date must be before end_date", "start_date cannot be in the future"],
        "group_by": ["group_by must be one of: day, month, week"],
        "end_date": ["end_date cannot be in the future"],
    }


def test_range_of_exactly_365_days_and_today_are_accepted(alice_client, post_export):
    site = factories.location("Today site")
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.conf import settings

    noon = datetime.combine(local_today(), time(12), ZoneInfo(settings.TIME_ZONE))
    factories.detection(factories.image(site, taken_at=noon), "doe")
    start = (local_today() - timedelta(days=365)).isoformat()
    response = post_export(alice_client, "camtrap-dp", {"start_date": start, "end_date": local_today().isoformat()})
    assert response.status_code == 202, response.content
    assert response.json()["total_detections"] == 1


@pytest.mark.parametrize(
    "body,needle",
    [
        ({}, "start_date is required"),
        ({"start_date": "2024-10-01"}, "end_date is required"),
        ({"start_date": "2024-13-01", "end_date": "2024-10-31"}, "got '2024-13-01'"),
        ({**OCTOBER, "location_ids": ["nope"]}, "not a valid UUID"),
        ({**OCTOBER, "location_ids": "abc"}, "must be a list"),
        ({**OCTOBER, "classifications": ["unicorn"]}, "not a known classification"),
        ({**OCTOBER, "include_images": "maybe"}, "include_images"),
        ({**OCTOBER, "format": "tar"}, "Unknown field 'format'"),
        ({**OCTOBER, "detection_ids": [str(uuid.uuid4())]}, "Unknown field 'detection_ids'"),
        ({**OCTOBER, "crop_size": 300}, "Unknown field 'crop_size'"),
        ({"start_date": "2020-01-01", "end_date": "2020-02-01"}, "No detections match"),
    ],
)
def test_bad_requests_are_400_and_queue_nothing(alice_client, ranch, body, needle, redis_conn):
    response = alice_client.post("/api/exports/camtrap-dp", body, format="json")
    assert response.status_code == 400, response.content
    assert needle in str(response.json())
    assert ExportJob.objects.count() == 0
    assert redis_conn.keys("export_job:*") == []


def test_not_a_json_object_is_400(alice_client):
    response = alice_client.post("/api/exports/camtrap-dp", ["2024-10-01"], format="json")
    assert response.status_code == 400 and "JSON object" in response.json()["detail"]


def test_more_than_the_maximum_is_rejected(alice_client, ranch, monkeypatch):
    from exports.api import serializers

    monkeypatch.setattr(serializers, "MAX_CAMTRAP_DP_DETECTIONS", 3)
    response = alice_client.post("/api/exports/camtrap-dp", OCTOBER, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "This filter selects 4 detections; at most 3 can be exported. Narrow the dates or filters."
    )


def test_a_location_without_coordinates_is_named(alice_client, ranch):
    ranch["south"].latitude = None
    ranch["south"].save()
    response = alice_client.post("/api/exports/camtrap-dp", OCTOBER, format="json")
    assert response.status_code == 400
    assert "=SUM(A1) has no latitude/longitude" in response.json()["detail"]
    # leaving it out with location_ids is accepted
    ok = alice_client.post(
        "/api/exports/camtrap-dp", {**OCTOBER, "location_ids": [str(ranch["north"].id)]}, format="json"
    )
    assert ok.status_code == 202, ok.content


@pytest.mark.parametrize(
    "path",
    [
        f"/api/exports/camtrap-dp/{uuid.uuid4()}",
        "/api/exports/camtrap-dp/not-a-uuid",
    ],
    ids=["unknown-id", "not-a-uuid"],  # stable names: the same in every pytest-xdist worker
)
def test_unknown_job_is_404(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_someone_elses_job_is_404_everywhere(
    alice_client, bob_client, charlie_client, post_export, run_jobs, ranch, root
):
    job_id = post_export(alice_client, "camtrap-dp", OCTOBER).json()["job_id"]
    run_jobs()
    done = alice_client.get(f"/api/exports/camtrap-dp/{job_id}").json()
    for other in (bob_client, charlie_client):  # reviewer, manager: still not theirs
        response = other.get(f"/api/exports/camtrap-dp/{job_id}")
        assert response.status_code == 404 and response.json() == NOT_FOUND
        assert other.get(done["download_url"]).status_code == 404
        assert other.delete(f"/api/exports/{job_id}").status_code == 404
    from tests.conftest import client_for

    assert client_for(root).get(f"/api/exports/camtrap-dp/{job_id}").status_code == 200  # superuser


def test_status_route_of_another_kind_is_404(alice_client, post_export, ranch):
    camtrap = post_export(alice_client, "camtrap-dp", OCTOBER).json()["job_id"]
    zip_job = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    assert alice_client.get(f"/api/exports/zip/{camtrap}").status_code == 404
    assert alice_client.get(f"/api/exports/pdf/{camtrap}").status_code == 404
    assert alice_client.get(f"/api/exports/camtrap-dp/{zip_job}").status_code == 404


def test_viewer_may_export_and_anonymous_may_not(client, alice_client, post_export, ranch):
    assert post_export(alice_client, "camtrap-dp", OCTOBER).status_code == 202  # alice is a viewer
    assert client.post("/api/exports/camtrap-dp", OCTOBER, content_type="application/json").status_code in (401, 403)
    assert client.get(f"/api/exports/camtrap-dp/{uuid.uuid4()}").status_code in (401, 403)


def test_delete_cancels_and_removes_the_file(alice_client, post_export, run_jobs, ranch, redis_conn, settings):
    job_id = post_export(alice_client, "camtrap-dp", OCTOBER).json()["job_id"]
    run_jobs()
    filename = alice_client.get(f"/api/exports/camtrap-dp/{job_id}").json()["filename"]
    assert (settings.EXPORT_ROOT / filename).is_file()
    assert alice_client.delete(f"/api/exports/{job_id}").status_code == 204
    assert not (settings.EXPORT_ROOT / filename).exists()
    assert not redis_conn.exists(f"export_job:{job_id}")
    assert alice_client.get(f"/api/exports/camtrap-dp/{job_id}").status_code == 404
    assert alice_client.get(f"/api/static/exports/{filename}").status_code == 404


def test_queued_job_deleted_before_a_worker_runs_leaves_nothing(alice_client, post_export, run_jobs, ranch, settings):
    job_id = post_export(alice_client, "camtrap-dp", OCTOBER).json()["job_id"]
    assert alice_client.delete(f"/api/exports/{job_id}").status_code == 204
    run_jobs()
    assert list(settings.EXPORT_ROOT.iterdir()) == []
    assert ExportJob.objects.get(id=job_id).status == "cancelled"


def test_expired_file_is_cleaned_up(alice_client, post_export, run_jobs, ranch, redis_conn, settings):
    job_id = post_export(alice_client, "camtrap-dp", OCTOBER).json()["job_id"]
    run_jobs()
    filename = alice_client.get(f"/api/exports/camtrap-dp/{job_id}").json()["filename"]
    assert files.cleanup_expired_files(redis_conn) == []  # key alive: kept
    redis_conn.delete(f"export_job:{job_id}")  # what expiry does
    assert files.cleanup_expired_files(redis_conn) == [filename]
    assert not (settings.EXPORT_ROOT / filename).exists()


def test_failure_reads_as_a_camtrap_dp_error(alice_client, post_export, run_jobs, ranch, monkeypatch):
    from exports import camtrap_dp

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(camtrap_dp.zipfile, "ZipFile", broken)
    job_id = post_export(alice_client, "camtrap-dp", OCTOBER).json()["job_id"]
    run_jobs()
    doc = alice_client.get(f"/api/exports/camtrap-dp/{job_id}").json()
    assert doc["status"] == "failed"
    assert doc["error_message"] == "The Camtrap DP package could not be created: No space left on device"
    assert ExportJob.objects.get(id=job_id).status == "failed"


def test_openapi_documents_the_endpoints(alice_client):
    schema = alice_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "202" in paths["/api/exports/camtrap-dp"]["post"]["responses"]
    assert "404" in paths["/api/exports/camtrap-dp/{job_id}"]["get"]["responses"]
    ref = paths["/api/exports/camtrap-dp"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"start_date", "end_date", "location_ids", "classifications", "group_by", "include_images"} <= set(
        component["properties"]
    )
