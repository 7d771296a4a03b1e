"""POST /exports/from-detections: the detections page's Export buttons (selected cards, or all matching)."""

import csv
import io
import zipfile

import pytest
from django.test import Client

from exports.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(alice):
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def post(viewer_client, django_capture_on_commit_callbacks):
    def send(body):
        with django_capture_on_commit_callbacks(execute=True):
            return viewer_client.post("/exports/from-detections", {"next": "/detections/?classification=doe", **body})

    return send


def _download(client, export):
    doc = client.get(f"/api/exports/{export.kind.replace('_', '-')}/{export.id}").json()
    assert doc["status"] == "completed", doc
    response = client.get(doc["download_url"])
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_viewer_exports_the_ticked_cards_as_zip(viewer_client, post, run_jobs, alice, ranch):
    chosen = ranch["detections"][:2]
    response = post({"format": "zip", "ids": [str(d.pk) for d in chosen]})
    export = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.id}/"
    assert (export.kind, export.requested_by, export.total_count) == ("zip", alice, 2)
    assert set(export.params["detection_ids"]) == {str(d.pk) for d in chosen}
    run_jobs()
    archive = _download(viewer_client, export)
    rows = list(csv.DictReader(io.TextIOWrapper(archive.open("metadata.csv"), encoding="utf-8")))
    assert {row["detection_id"] for row in rows} == {str(d.pk) for d in chosen}


def test_all_matching_uses_the_page_filter_with_empty_fields_as_any(post, ranch):
    response = post({"format": "zip", "all_matching": "1", "query": "location=&classification=doe&start_date="})
    assert response.status_code == 302
    export = ExportJob.objects.get()
    does = [d for d in [*ranch["detections"], ranch["invalid"]] if d.effective_classification == "doe"]
    assert set(export.params["detection_ids"]) == {str(d.pk) for d in does}
    assert export.total_count == len(does) == 2  # the uncorrected doe and the invalid doe


def test_camtrap_dp_of_the_selection_holds_exactly_those_observations(viewer_client, post, run_jobs, ranch):
    chosen = [ranch["detections"][0], ranch["detections"][2]]
    response = post({"format": "camtrap_dp", "ids": [str(d.pk) for d in chosen]})
    export = ExportJob.objects.get()
    assert response["Location"] == f"/exports/{export.id}/"
    assert (export.params["start_date"], export.params["end_date"]) == ("2024-10-15", "2024-10-16")
    run_jobs()
    archive = _download(viewer_client, export)
    observations = list(csv.DictReader(io.TextIOWrapper(archive.open("observations.csv"), encoding="utf-8")))
    assert {row["observationID"] for row in observations} == {str(d.pk) for d in chosen}  # no blanks, no others


def test_camtrap_dp_needs_coordinates_and_says_which(viewer_client, post, ranch):
    ranch["north"].latitude = None
    ranch["north"].save()
    response = post({"format": "camtrap_dp", "ids": [str(ranch["detections"][0].pk)]})
    assert response.status_code == 302 and response["Location"] == "/detections/?classification=doe"
    assert not ExportJob.objects.exists()
    page = viewer_client.get(response["Location"]).content.decode()
    assert "North Field has no latitude/longitude" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"format": "zip"}, "Nothing to export"),
        ({"format": "pdf", "ids": ["x"]}, "Choose an export format"),
        ({"format": "zip", "ids": ["not-an-id"]}, "not a detection id"),
        ({"format": "zip", "all_matching": "1", "query": "classification=moose"}, "The filters are not valid"),
        ({"format": "zip", "all_matching": "1", "query": "classification=coyote"}, "Nothing to export"),
    ],
)
def test_refusals_go_back_with_a_message_and_write_nothing(viewer_client, post, ranch, body, message):
    response = post(body)
    assert response.status_code == 302 and response["Location"] == "/detections/?classification=doe"
    assert not ExportJob.objects.exists()
    assert message in viewer_client.get(response["Location"]).content.decode()


def test_more_than_the_cap_is_refused_with_the_count(post, ranch, monkeypatch, viewer_client):
    monkeypatch.setattr("exports.views.MAX_ZIP_DETECTIONS", 3)
    response = post({"format": "zip", "all_matching": "1", "query": ""})
    assert not ExportJob.objects.exists()
    page = viewer_client.get(response["Location"]).content.decode()
    assert "These filters match 5 detections; at most 3 can be exported at once." in page


def test_redis_down_writes_nothing(post, ranch, redis_down, viewer_client):
    response = post({"format": "zip", "ids": [str(ranch["detections"][0].pk)]})
    assert response.status_code == 302 and not ExportJob.objects.exists()


def test_off_site_next_is_ignored(post, ranch):
    response = post({"format": "pdf", "next": "//evil.example/"})
    assert response["Location"] == "/detections/"


def test_the_api_reads_empty_filter_values_as_any(alice_client, ranch):
    response = alice_client.get(
        "/api/detections", {"location": "", "classification": "doe", "deer": "", "reviewed": ""}
    )
    assert response.status_code == 200, response.content
    does = {str(d.pk) for d in [*ranch["detections"], ranch["invalid"]] if d.effective_classification == "doe"}
    assert {row["id"] for row in response.json()["results"]} == does
