"""Staff pages: my exports, one export with htmx polling that stops by itself, cancel; the admin."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
PDF = {"report_type": "seasonal_activity", "start_date": "2024-10-01", "end_date": "2024-10-31"}


@pytest.fixture
def alice_browser(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_detail_polls_while_processing_and_stops_when_done(alice_client, alice_browser, post_export, run_jobs, ranch):
    job_id = post_export(alice_client, "zip", {"detection_ids": [str(d.id) for d in ranch["detections"]]}).json()[
        "job_id"
    ]
    page = alice_browser.get(f"/exports/{job_id}/").content.decode()
    assert f'hx-get="/exports/{job_id}/status/"' in page and 'hx-trigger="every 2s"' in page
    assert "queued" in page and "0 / 4 detections" in page and 'data-testid="cancel"' in page
    run_jobs()
    fragment = alice_browser.get(f"/exports/{job_id}/status/").content.decode()
    assert "hx-trigger" not in fragment  # polling stops by itself
    assert 'data-state="completed"' in fragment and "4 / 4 detections" in fragment
    assert f'href="/api/static/exports/detections_{job_id}_' in fragment


def test_list_shows_my_exports_and_polls_only_while_one_runs(alice_client, alice_browser, post_export, run_jobs, ranch):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    page = alice_browser.get("/exports/").content.decode()
    assert f"/exports/{job_id}/" in page and "processing" in page and 'hx-trigger="every 3s"' in page
    run_jobs()
    page = alice_browser.get("/exports/").content.decode()
    assert "completed" in page and "hx-trigger" not in page and "/api/static/exports/report_" in page


def test_failed_job_shows_its_error(alice_client, alice_browser, post_export, run_jobs, monkeypatch):
    import reports.pdf

    def broken(*args, **kwargs):
        raise RuntimeError("fonts missing")

    monkeypatch.setattr(reports.pdf, "render_report_pdf", broken)
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    run_jobs()
    page = alice_browser.get(f"/exports/{job_id}/").content.decode()
    assert 'data-state="failed"' in page and "fonts missing" in page


def test_cancel_button_cancels(alice_client, alice_browser, post_export, redis_conn):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    response = alice_browser.post(f"/exports/{job_id}/cancel/")
    assert response.status_code == 302 and response["Location"] == "/exports/"
    assert not redis_conn.exists(f"export_job:{job_id}")
    assert "cancelled" in alice_browser.get("/exports/").content.decode()


def test_pages_need_login(client):
    assert client.get("/exports/").status_code == 302


def test_admin_shows_live_status_and_links_the_queue_dashboard(root, alice_client, post_export):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    client = Client()
    client.force_login(root)
    page = client.get("/admin/exports/exportjob/").content.decode()
    assert job_id in page
    assert "processing (queued)" in page and '<progress max="100" value="0">' in page
    assert 'href="/admin/django-rq/"' in page
    detail = client.get(f"/admin/exports/exportjob/{job_id}/change/").content.decode()
    assert "django-rq dashboard" in detail
    assert client.get("/admin/django-rq/").status_code == 200


def test_admin_status_changes_within_one_process(root, alice_client, post_export):
    """The admin used to cache status documents on its one shared instance: the status never changed."""
    from exports.models import ExportJob

    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    client = Client()
    client.force_login(root)
    assert "processing (queued)" in client.get("/admin/exports/exportjob/").content.decode()
    job = ExportJob.objects.get(id=job_id)
    job.mark_running()
    job.report_progress("rendering", 60)
    page = client.get("/admin/exports/exportjob/").content.decode()
    assert "processing (rendering)" in page and '<progress max="100" value="60">' in page
    job.mark_failed("fonts missing")
    page = client.get(f"/admin/exports/exportjob/{job_id}/change/").content.decode()
    assert "failed" in page and "fonts missing" in page
