"""Redis unreachable: 503 with the SPEC message and nothing half-created."""

import uuid

import pytest
import redis

from exports.models import ExportJob

pytestmark = pytest.mark.django_db
MESSAGE = {"detail": "Job queue unavailable, try again later"}


def test_post_and_get_answer_503_and_create_nothing(alice_client, post_export, ranch, redis_down):
    response = post_export(
        alice_client,
        "pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-10-01",
            "end_date": "2024-10-31",
        },
    )
    assert response.status_code == 503 and response.json() == MESSAGE
    response = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]})
    assert response.status_code == 503 and response.json() == MESSAGE
    assert ExportJob.objects.count() == 0
    response = alice_client.get(f"/api/exports/pdf/{uuid.uuid4()}")
    assert response.status_code == 503 and response.json() == MESSAGE
    assert alice_client.delete(f"/api/exports/{uuid.uuid4()}").status_code == 503


@pytest.mark.django_db(transaction=True)
def test_enqueue_failing_after_the_row_was_written_removes_it(alice_client, monkeypatch, redis_conn):
    """Real commits here, so the on_commit enqueue runs inside the request as in production."""
    from exports import services

    class BrokenQueue:
        def enqueue(self, *args, **kwargs):
            raise redis.ConnectionError("connection reset")

    monkeypatch.setattr(services, "queue", lambda: BrokenQueue())
    response = alice_client.post(
        "/api/exports/pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-10-01",
            "end_date": "2024-10-31",
        },
        format="json",
    )
    assert response.status_code == 503 and response.json() == MESSAGE
    assert ExportJob.objects.count() == 0
    assert redis_conn.keys("export_job:*") == []


def test_validation_errors_still_answer_400_when_redis_is_down(alice_client, redis_down):
    response = alice_client.post("/api/exports/pdf", {"report_type": "x"}, format="json")
    assert response.status_code == 400
