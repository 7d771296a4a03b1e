"""A job is visible only to its owner (and superusers); everyone else gets 404, never 403."""

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_zip(alice_client, post_export, run_jobs, ranch):
    job_id = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    run_jobs()
    return alice_client.get(f"/api/exports/zip/{job_id}").json()


def test_other_user_gets_404_on_status_delete_and_download(bob_client, alice_client, finished_zip, settings):
    job_id = finished_zip["job_id"]
    assert bob_client.get(f"/api/exports/zip/{job_id}").status_code == 404
    assert bob_client.get(f"/api/exports/zip/{job_id}").json() == {"detail": "Job not found or expired"}
    assert bob_client.get(finished_zip["download_url"]).status_code == 404
    assert bob_client.delete(f"/api/exports/{job_id}").status_code == 404
    # nothing was deleted by the refused DELETE
    assert (settings.EXPORT_ROOT / finished_zip["filename"]).is_file()
    assert alice_client.get(finished_zip["download_url"]).status_code == 200


def test_superuser_sees_everyone_s_jobs(root, finished_zip):
    client = client_for(root)
    assert client.get(f"/api/exports/zip/{finished_zip['job_id']}").status_code == 200
    assert client.get(finished_zip["download_url"]).status_code == 200


def test_other_user_gets_404_on_the_html_pages(bob, finished_zip):
    from django.test import Client

    client = Client()
    client.force_login(bob)
    assert client.get(f"/exports/{finished_zip['job_id']}/").status_code == 404
    assert client.get(f"/exports/{finished_zip['job_id']}/status/").status_code == 404
    assert client.post(f"/exports/{finished_zip['job_id']}/cancel/").status_code == 404
