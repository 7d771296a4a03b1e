"""The staff page of a location's deployments: what a manager checks before trusting the effort."""

from datetime import UTC, datetime

from detections.deployments import clock_offset_set
from detections.models import Deployment, Outage
from tests import factories


def test_page_lists_deployments_outages_clock_history_and_images_outside(client, alice, charlie):
    site = factories.location("Creek bottom")
    first = Deployment.objects.create(
        location=site,
        setup_at=datetime(2025, 3, 1, tzinfo=UTC),
        pickup_at=datetime(2025, 3, 11, tzinfo=UTC),
        camera_id="CAM-1",
        bait_use=True,
    )
    Outage.objects.create(
        deployment=first,
        start_at=datetime(2025, 3, 2, tzinfo=UTC),
        end_at=datetime(2025, 3, 4, tzinfo=UTC),
        reason="batteries flat",
    )
    Deployment.objects.create(location=site, setup_at=datetime(2025, 3, 11, tzinfo=UTC), camera_id="CAM-2")
    factories.image(site, taken_at=datetime(2025, 3, 5, tzinfo=UTC), write_file=False)
    factories.image(site, taken_at=datetime(2025, 2, 20, tzinfo=UTC), write_file=False)  # before any setup
    clock_offset_set(first, 3600, charlie)
    client.force_login(alice)
    page = client.get(f"/locations/{site.pk}/deployments/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "CAM-1" in text and "CAM-2" in text and "running" in text and "baited" in text
    assert "batteries flat" in text
    assert "+0 → +3600 s (1 images, charlie)" in text
    assert "1 image outside every deployment" in text
    first_row = text[text.index("CAM-1") : text.index("CAM-2")]
    assert ">8.0</td>" in first_row  # 10 days minus a 2-day outage


def test_anonymous_is_sent_to_login_and_unknown_location_is_404(client, alice):
    site = factories.location("Pond")
    assert client.get(f"/locations/{site.pk}/deployments/").status_code == 302
    client.force_login(alice)
    assert client.get("/locations/00000000-0000-0000-0000-000000000001/deployments/").status_code == 404
