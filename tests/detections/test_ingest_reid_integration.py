"""End to end: an uploaded detection is queued on a real Redis and matched by a real worker."""

import pytest

from detections.models import Detection
from tests import factories
from tests.detections.helpers import det, upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_uploaded_buck_gets_a_deer_profile_from_the_worker(bob_client, redis_conn, start_worker):
    factories.location("Hayfield", timezone="America/Chicago")
    vector = [float(v) for v in factories.unit_vector(16, seed=4)]
    response = upload(
        bob_client,
        factories.jpeg_bytes(640, 480),
        {
            "location": "Hayfield",
            "taken_at": "2024-10-15T06:30:00",
            "detections": [det((100, 100, 200, 150), 0.95, "buck", embedding=vector, embedding_model="it-16")],
        },
    )
    assert response.status_code == 201, response.json()
    detection_id = response.json()["detections"][0]["id"]
    assert redis_conn.llen("rq:queue:default") == 1  # queued after the commit, not run inline

    worker = start_worker("default", extra_args=("--burst",))
    assert worker.wait(timeout=120) == 0

    detection = Detection.objects.select_related("deer").get(pk=detection_id)
    assert detection.deer is not None
    assert detection.deer.sex == "buck"
    assert detection.deer.sighting_count == 1
    assert detection.deer.embedding_model == "it-16"
