"""The Camtrap DP form on /exports/: same validation as the API, queues the job, shows the error."""

import pytest
from django.test import Client

from exports.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_page_shows_the_form(browser_client, ranch):
    page = browser_client.get("/exports/").content.decode()
    assert 'id="camtrap-dp-form"' in page and "Export Camtrap DP" in page
    assert "North Field" in page and 'value="fawn"' in page


def test_form_queues_a_job_and_opens_its_page(browser_client, alice, ranch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(
            "/exports/",
            {
                "start_date": "2024-10-01",
                "end_date": "2024-10-31",
                "classifications": ["buck", "doe"],
                "location_ids": [str(ranch["north"].id)],
                "include_images": "on",
            },
        )
    export = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.id}/"
    assert export.kind == "camtrap_dp" and export.requested_by == alice
    assert export.params["classifications"] == ["buck", "doe"] and export.params["include_images"] is True
    assert export.params["location_ids"] == [str(ranch["north"].id)]
    detail = browser_client.get(response["Location"]).content.decode()
    assert "queued" in detail and "0 / 2 detections" in detail
    listing = browser_client.get("/exports/").content.decode()
    assert "Camtrap DP" in listing


def test_form_error_is_shown_and_nothing_queued(browser_client, ranch):
    response = browser_client.post("/exports/", {"start_date": "2024-10-31", "end_date": "2024-10-01"})
    assert response.status_code == 400
    assert "start_date must be before end_date" in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_form_keeps_the_choices_after_an_error(browser_client, ranch):
    response = browser_client.post(
        "/exports/",
        {
            "start_date": "2024-10-31",
            "end_date": "2024-10-01",
            "classifications": ["fawn"],
            "location_ids": [str(ranch["south"].id)],
            "include_images": "on",
        },
    )
    page = response.content.decode()
    assert '<option value="fawn" selected>' in page
    assert f'<option value="{ranch["south"].id}" selected>' in page
    assert 'name="include_images" checked' in page and 'value="2024-10-31"' in page


def test_redis_down_is_said_and_nothing_created(browser_client, alice, ranch, redis_down):
    earlier = ExportJob.objects.create(kind="zip", requested_by=alice, status="completed")
    response = browser_client.post("/exports/", {"start_date": "2024-10-01", "end_date": "2024-10-31"})
    assert response.status_code == 503
    page = response.content.decode()
    assert "Job queue unavailable, try again later" in page
    assert f"/exports/{earlier.id}/" in page  # the history is still listed
    assert list(ExportJob.objects.all()) == [earlier]
    listing = browser_client.get("/exports/")
    assert listing.status_code == 503 and f"/exports/{earlier.id}/" in listing.content.decode()
