"""Deployments and outages over the API: CRUD for managers, reads for every role, and the rules as
clear 400s with nothing written."""

from datetime import UTC, datetime

import pytest

from detections.models import ClockCorrection, Deployment, Outage
from tests import factories


@pytest.fixture
def site(db):
    return factories.location("Feeder")


def body(site, **fields):
    return {"location": str(site.id), "setup_at": "2025-03-01T12:00:00Z", "pickup_at": "2025-04-01T12:00:00Z", **fields}


def test_manager_creates_reads_updates_deletes(charlie_client, alice_client, site):
    created = charlie_client.post(
        "/api/deployments",
        body(
            site,
            camera_id="CAM-7",
            camera_model="Browning BTC-8E",
            camera_height=1.2,
            bait_use=True,
            feature_type="trailGame",
            setup_by="Ana",
        ),
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    row = Deployment.objects.get(pk=pk)
    assert (row.camera_id, row.bait_use, row.feature_type, row.inferred) == ("CAM-7", True, "trailGame", False)
    listed = alice_client.get("/api/deployments", {"location": str(site.id)}).json()
    assert [item["id"] for item in listed["results"]] == [pk]
    outage = charlie_client.post(
        "/api/outages",
        {"deployment": pk, "start_at": "2025-03-10T00:00:00Z", "end_at": "2025-03-17T00:00:00Z", "reason": "SD full"},
        format="json",
    )
    assert outage.status_code == 201, outage.json()
    detail = alice_client.get(f"/api/deployments/{pk}").json()
    assert [o["reason"] for o in detail["outages"]] == ["SD full"]
    assert charlie_client.patch(f"/api/deployments/{pk}", {"pickup_at": None}, format="json").status_code == 200
    assert Deployment.objects.get(pk=pk).pickup_at is None
    assert charlie_client.delete(f"/api/deployments/{pk}").status_code == 204
    assert not Outage.objects.exists()


def test_viewer_and_reviewer_cannot_write(alice_client, bob_client, site):
    for client in (alice_client, bob_client):
        response = client.post("/api/deployments", body(site), format="json")
        assert response.status_code == 403
        assert response.json()["detail"] == "This action needs the manager role."
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"pickup_at": "2025-03-01T11:00:00Z"}, "pickup_at", "must be after setup_at"),
        ({"setup_at": "2025-03-20T00:00:00Z", "pickup_at": "2025-05-01T00:00:00Z"}, "setup_at", "overlaps deployment"),
        ({"setup_at": "2025-01-01T00:00:00Z", "pickup_at": None}, "setup_at", "overlaps deployment"),
        ({"setup_at": "1969-12-01T00:00:00Z"}, "setup_at", "between 1970-01-01 and 2100-12-31"),
        ({"feature_type": "kitchen"}, "feature_type", "not a valid choice"),
        ({"colour": "red"}, "colour", "Unknown field 'colour'"),
        ({"clock_offset": 10**12}, "clock_offset", "less than or equal"),
    ],
)
def test_rules_are_clear_400s(charlie_client, site, fields, field, words):
    existing = Deployment.objects.create(
        location=site, setup_at=datetime(2025, 3, 1, tzinfo=UTC), pickup_at=datetime(2025, 4, 1, tzinfo=UTC)
    )
    response = charlie_client.post(
        "/api/deployments",
        body(site, setup_at="2025-04-01T00:00:00Z", pickup_at="2025-05-01T00:00:00Z") | fields,
        format="json",
    )
    assert response.status_code == 400
    assert words in " ".join(response.json()["errors"][field])
    assert list(Deployment.objects.all()) == [existing]


def test_consecutive_deployments_do_not_overlap(charlie_client, site):
    """A camera swap: one deployment ends at the instant the next starts."""
    first = charlie_client.post("/api/deployments", body(site), format="json")
    second = charlie_client.post(
        "/api/deployments", body(site, setup_at="2025-04-01T12:00:00Z", pickup_at=None), format="json"
    )
    assert (first.status_code, second.status_code) == (201, 201)


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2025-02-25T00:00:00Z", "2025-03-05T00:00:00Z", "inside its deployment"),
        ("2025-03-25T00:00:00Z", "2025-04-05T00:00:00Z", "inside its deployment"),
        ("2025-03-12T00:00:00Z", "2025-03-11T00:00:00Z", "must be after start_at"),
        ("2025-03-14T00:00:00Z", "2025-03-16T00:00:00Z", "overlaps another outage"),
    ],
)
def test_outage_rules(charlie_client, site, start, end, words):
    deployment = Deployment.objects.create(
        location=site, setup_at=datetime(2025, 3, 1, tzinfo=UTC), pickup_at=datetime(2025, 4, 1, tzinfo=UTC)
    )
    Outage.objects.create(
        deployment=deployment, start_at=datetime(2025, 3, 15, tzinfo=UTC), end_at=datetime(2025, 3, 20, tzinfo=UTC)
    )
    response = charlie_client.post(
        "/api/outages", {"deployment": str(deployment.id), "start_at": start, "end_at": end}, format="json"
    )
    assert response.status_code == 400
    assert words in str(response.json()["errors"])
    assert Outage.objects.count() == 1


def test_shrinking_a_deployment_past_its_outage_is_refused(charlie_client, site):
    deployment = Deployment.objects.create(
        location=site, setup_at=datetime(2025, 3, 1, tzinfo=UTC), pickup_at=datetime(2025, 4, 1, tzinfo=UTC)
    )
    Outage.objects.create(
        deployment=deployment, start_at=datetime(2025, 3, 15, tzinfo=UTC), end_at=datetime(2025, 3, 20, tzinfo=UTC)
    )
    response = charlie_client.patch(
        f"/api/deployments/{deployment.id}", {"pickup_at": "2025-03-18T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert "outages must stay inside" in str(response.json()["errors"])


def test_clock_offset_through_the_api_retimes_and_keeps_history(charlie, charlie_client, site):
    deployment = Deployment.objects.create(location=site, setup_at=datetime(2025, 3, 1, tzinfo=UTC))
    img = factories.image(site, taken_at=datetime(2025, 3, 10, 6, 0, tzinfo=UTC), write_file=False)
    factories.detection(img, "buck")
    response = charlie_client.patch(f"/api/deployments/{deployment.id}", {"clock_offset": -3600}, format="json")
    assert response.status_code == 200
    assert response.json()["clock_corrections"][0] | {"created_at": None} == {
        "old_offset": 0,
        "new_offset": -3600,
        "images": 1,
        "detections": 1,
        "user": "charlie",
        "created_at": None,
    }
    img.refresh_from_db()
    assert img.taken_at == datetime(2025, 3, 10, 5, 0, tzinfo=UTC)
    assert img.detections.get().taken_at == img.taken_at
    assert ClockCorrection.objects.get().user == charlie
