"""POST /api/imports/megadetector and /api/imports/speciesnet: a results file imported as a background job."""

import json

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rq import SimpleWorker

from detections.models import Detection, Image, Location, PipelineImport
from tests import factories
from tests.detections.test_pipeline_formats import DEER, box, md, prediction, sn_box, speciesnet

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cams(settings):
    Location.objects.create(name="North", timezone="America/Chicago")
    for index in range(3):
        path = settings.IMAGE_ROOT / "North" / f"IMG_{index}.JPG"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(factories.jpeg_bytes(color=(index, 40, 9), exif_datetime=f"2024:10:15 06:30:0{index}"))


def upload(document, name="results.json"):
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return SimpleUploadedFile(name, data, content_type="application/json")


def work(redis_conn):
    SimpleWorker([django_rq.get_queue("default")], connection=redis_conn).work(burst=True)


def test_megadetector_import_job_runs_and_reports(bob_client, cams, redis_conn, settings):
    document = md(
        images=[
            {"file": "North/IMG_0.JPG", "detections": [box(classifications=[["0", 0.9]])]},
            {"file": "North/IMG_1.JPG", "detections": None},
        ]
    )
    response = bob_client.post("/api/imports/megadetector", {"file": upload(document)}, format="multipart")
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    work(redis_conn)
    body = bob_client.get(f"/api/imports/{job_id}").json()
    assert body["status"] == "completed" and body["progress_percent"] == 100
    assert body["total_count"] == 1 and body["processed_count"] == 1
    assert body["summary"]["created"] == 1 and body["summary"]["failed"] == 1
    assert "skipped North/IMG_1.JPG: not processed" in body["report"]
    assert Detection.objects.get().classification == "unknown"
    assert not list((settings.MEDIA_ROOT / "imports").iterdir())  # the upload is gone once read


def test_speciesnet_import_job(bob_client, cams, redis_conn):
    document = speciesnet([prediction("North/IMG_0.JPG", DEER, 0.97, [sn_box()])])
    response = bob_client.post("/api/imports/speciesnet", {"file": upload(document)}, format="multipart")
    assert response.status_code == 202
    work(redis_conn)
    assert PipelineImport.objects.get().status == "completed"
    assert Detection.objects.get().classifier_model == "SpeciesNet 4.0.1a"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "Cannot read the"),
        (
            json.dumps(
                {"images": [{"file": "North/IMG_0.JPG", "detections": [{"category": "1", "conf": 0.9, "bbox": None}]}]}
            ).encode(),
            "has bbox None",
        ),
        (
            json.dumps({"images": [{"file": "Elsewhere/a.jpg", "detections": []}]}).encode(),
            "No location named 'Elsewhere'",
        ),
        (json.dumps([1, 2]).encode(), 'no "images" list'),
    ],
)
def test_refused_files_fail_the_job_with_the_reason_and_change_nothing(bob_client, cams, redis_conn, content, message):
    response = bob_client.post("/api/imports/megadetector", {"file": upload(content)}, format="multipart")
    assert response.status_code == 202
    work(redis_conn)
    body = bob_client.get(f"/api/imports/{response.json()['id']}").json()
    assert body["status"] == "failed" and message in body["error"]
    assert not Image.objects.exists() and Location.objects.count() == 1


@pytest.mark.parametrize(
    "fields, field",
    [
        ({}, "file"),
        ({"min_confidence": "2"}, "min_confidence"),
        ({"animal_class": "moose"}, "animal_class"),
        ({"location": "Nowhere"}, "location"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_requests_are_400(bob_client, cams, fields, field):
    data = {"file": upload(md()), **fields} if field != "file" else fields
    response = bob_client.post("/api/imports/megadetector", data, format="multipart")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not PipelineImport.objects.exists()


def test_viewer_may_not_import(alice_client, cams):
    assert alice_client.post("/api/imports/megadetector", {"file": upload(md())}, format="multipart").status_code == 403


def test_unknown_status_is_404(bob_client):
    assert bob_client.get("/api/imports/not-a-uuid").status_code == 404
    assert bob_client.get("/api/imports/00000000-0000-0000-0000-000000000000").status_code == 404


def test_redis_down_is_503(bob_client, cams, redis_down):
    response = bob_client.post("/api/imports/megadetector", {"file": upload(md())}, format="multipart")
    assert response.status_code == 503
    assert PipelineImport.objects.get().status == "failed"


def test_staff_page_starts_the_job_and_shows_its_outcome(bob, cams, redis_conn, client):
    client.force_login(bob)
    document = md(images=[{"file": "North/IMG_0.JPG", "detections": [box(classifications=[["1", 0.9]])]}])
    response = client.post("/detections/import", {"format": "megadetector", "file": upload(document)})
    assert response.status_code == 302
    job = PipelineImport.objects.get()
    assert response["Location"] == f"/detections/import/{job.pk}/"
    assert 'hx-trigger="every 2s"' in client.get(response["Location"]).content.decode()  # polls while queued
    work(redis_conn)
    page = client.get(f"/detections/import/{job.pk}/status/").content.decode()
    assert 'data-state="completed"' in page and "hx-trigger" not in page
    assert Detection.objects.get().classification == "cattle"


def test_staff_page_refuses_a_bad_form(bob, cams, client):
    client.force_login(bob)
    response = client.post("/detections/import", {"format": "megadetector", "min_confidence": "7"})
    assert response.status_code == 400
    assert "file:" in response.content.decode() and not PipelineImport.objects.exists()
