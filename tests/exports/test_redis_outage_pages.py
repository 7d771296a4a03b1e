"""Redis unreachable (issue 15, finding 4): every page answers without a 500, a transition made
while Redis is down stands, and the maintenance pass publishes its outcome once Redis is back."""

import json

import pytest
import redis
from django.test import Client

from core.worker import run_maintenance
from exports import status
from exports.models import ExportJob

pytestmark = pytest.mark.django_db
PDF = {"report_type": "seasonal_activity", "start_date": "2024-10-01", "end_date": "2024-10-31"}
MESSAGE = "Job queue unavailable, try again later"


@pytest.fixture
def page_client(root):
    client = Client(raise_request_exception=False)
    client.force_login(root)
    return client


@pytest.fixture
def export(root):
    return ExportJob.objects.create(kind="pdf", requested_by=root, params=PDF)


def test_detail_page_and_status_fragment_read_the_row(page_client, export, redis_down):
    for url in (f"/exports/{export.id}/", f"/exports/{export.id}/status/"):
        response = page_client.get(url)
        assert response.status_code == 200
        assert 'data-state="processing"' in response.content.decode()


def test_cancel_answers_503_in_the_page_and_changes_nothing(page_client, export, redis_down):
    response = page_client.post(f"/exports/{export.id}/cancel/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "The export was not cancelled: job queue unavailable, try again later." in body
    assert 'data-testid="cancel-error"' in body and 'data-state="processing"' in body
    export.refresh_from_db()
    assert export.status == "queued"


def test_django_rq_dashboard_answers_a_friendly_503(page_client, redis_down):
    response = page_client.get("/admin/django-rq/")
    assert response.status_code == 503
    assert f"{MESSAGE}." in response.content.decode() and response["Retry-After"] == "30"


def test_every_page_answers_without_a_500(page_client, export, redis_down):
    for url in ("/", "/exports/", f"/exports/{export.id}/", "/admin/", "/admin/exports/exportjob/", "/healthz"):
        assert page_client.get(url).status_code in (200, 503), url


def test_transition_while_redis_is_down_stands_and_is_republished(alice_client, post_export, redis_conn, monkeypatch):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    row = ExportJob.objects.get(id=job_id)
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0")
    with monkeypatch.context() as outage:
        outage.setattr(status, "connection", lambda: dead)
        assert row.mark_running() and row.mark_completed(filename="x.pdf", file_size_bytes=3)
    assert ExportJob.objects.get(id=job_id).status == "completed"  # the database outcome stands
    assert json.loads(redis_conn.get(status.key(job_id)))["status"] == "processing"  # its copy is behind
    summary = run_maintenance(redis_conn)
    assert summary["republished"] == 1
    doc = alice_client.get(f"/api/exports/pdf/{job_id}").json()
    assert doc["status"] == "completed" and doc["filename"] == "x.pdf"
    redis_conn.delete("herdbook:maintenance-lock")  # the next pass, without waiting for the lock
    assert "republished" not in run_maintenance(redis_conn)


def test_cancelled_while_redis_is_down_its_copy_is_removed(alice_client, post_export, redis_conn, monkeypatch):
    job_id = post_export(alice_client, "pdf", PDF).json()["job_id"]
    row = ExportJob.objects.get(id=job_id)
    with monkeypatch.context() as outage:
        outage.setattr(status, "connection", lambda: redis.Redis.from_url("redis://127.0.0.1:1/0"))
        assert row.mark_cancelled()
    assert redis_conn.exists(status.key(job_id))
    run_maintenance(redis_conn)
    assert not redis_conn.exists(status.key(job_id))
    assert alice_client.get(f"/api/exports/pdf/{job_id}").status_code == 404
