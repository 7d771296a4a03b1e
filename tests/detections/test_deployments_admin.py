"""The admin applies the same deployment rules as the API (no overlap, pickup after setup)."""

from datetime import UTC, datetime

from detections.models import Deployment
from tests import factories


def form(site, setup, pickup):
    return {
        "location": str(site.pk),
        "setup_at_0": setup[0],
        "setup_at_1": setup[1],
        "pickup_at_0": pickup[0],
        "pickup_at_1": pickup[1],
        "camera_id": "CAM-3",
        "feature_type": "",
        "outages-TOTAL_FORMS": "0",
        "outages-INITIAL_FORMS": "0",
        "clock_corrections-TOTAL_FORMS": "0",
        "clock_corrections-INITIAL_FORMS": "0",
    }


def test_admin_refuses_overlap_and_saves_a_valid_deployment(client, root, settings):
    settings.TIME_ZONE = "UTC"
    site = factories.location("Oak")
    Deployment.objects.create(location=site, setup_at=datetime(2025, 3, 1, tzinfo=UTC))  # running
    client.force_login(root)
    assert client.get("/admin/detections/deployment/add/").status_code == 200
    refused = client.post(
        "/admin/detections/deployment/add/", form(site, ("2025-04-01", "00:00"), ("2025-05-01", "00:00"))
    )
    assert refused.status_code == 200 and "overlaps deployment" in refused.content.decode()
    backwards = client.post(
        "/admin/detections/deployment/add/", form(site, ("2025-02-10", "00:00"), ("2025-02-01", "00:00"))
    )
    assert "must be after setup_at" in backwards.content.decode()
    saved = client.post(
        "/admin/detections/deployment/add/", form(site, ("2025-02-01", "00:00"), ("2025-03-01", "00:00"))
    )
    assert saved.status_code == 302
    assert Deployment.objects.filter(location=site, camera_id="CAM-3").exists()
