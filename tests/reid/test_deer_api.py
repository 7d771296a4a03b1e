"""/api/deer/: list, detail, update, timeline, locations, delete, with roles."""

from datetime import UTC, datetime

import numpy as np
import pytest

from detections.models import Detection
from reid.models import Deer
from reid.profiles import deer_recompute
from tests import factories
from tests.reid.helpers import latent, sighting

pytestmark = pytest.mark.django_db


@pytest.fixture
def doe():
    north, south = factories.location("North"), factories.location("South")
    deer = factories.deer(sex="doe", name="Daisy")
    times = [
        datetime(2024, 10, 1, 12, tzinfo=UTC),
        datetime(2024, 10, 2, 12, tzinfo=UTC),
        datetime(2024, 10, 9, 12, tzinfo=UTC),
        datetime(2024, 11, 20, 12, tzinfo=UTC),
    ]
    for i, when in enumerate(times):
        sighting(north if i < 3 else south, when, latent(1), deer=deer)
    sighting(north, datetime(2024, 12, 1, tzinfo=UTC), latent(1), deer=deer, is_valid=False)
    return deer_recompute(deer)


def test_list_and_detail_for_any_signed_in_user(alice_client, doe):
    listed = alice_client.get("/api/deer/")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    row = listed.json()["results"][0]
    assert row["name"] == "Daisy" and row["sighting_count"] == 4
    assert row["thumbnail_url"] == f"/api/detections/{doe.best_detection_id}/crop"
    detail = alice_client.get(f"/api/deer/{doe.id}/")
    assert detail.status_code == 200 and detail.json()["first_seen"].startswith("2024-10-01")


def test_filters_and_search(alice_client, doe):
    factories.deer(sex="buck", name="Tank")
    assert [d["name"] for d in alice_client.get("/api/deer/?sex=buck").json()["results"]] == ["Tank"]
    assert [d["name"] for d in alice_client.get("/api/deer/?q=dais").json()["results"]] == ["Daisy"]
    assert [d["name"] for d in alice_client.get("/api/deer/?sighting_count__gte=2").json()["results"]] == ["Daisy"]


def test_reviewer_updates_viewer_cannot(alice_client, bob_client, doe):
    assert alice_client.patch(f"/api/deer/{doe.id}/", {"name": "X"}, format="json").status_code == 403
    answer = bob_client.patch(f"/api/deer/{doe.id}/", {"name": "Big Mama", "status": "deceased"}, format="json")
    assert answer.status_code == 200 and answer.json()["name"] == "Big Mama" and answer.json()["status"] == "deceased"
    doe.refresh_from_db()
    assert doe.name == "Big Mama"


def test_update_rejects_bad_values_and_read_only_fields(bob_client, doe):
    bad_sex = bob_client.patch(f"/api/deer/{doe.id}/", {"sex": "stag"}, format="json")
    assert bad_sex.status_code == 400 and "sex" in bad_sex.json()["errors"]
    read_only = bob_client.patch(f"/api/deer/{doe.id}/", {"sighting_count": 99}, format="json")
    assert read_only.status_code == 400 and "sighting_count" in read_only.json()["detail"]
    doe.refresh_from_db()
    assert doe.sighting_count == 4


def test_timeline_by_week_and_month(alice_client, doe):
    by_month = alice_client.get(f"/api/deer/{doe.id}/timeline?group_by=month").json()["periods"]
    assert [(p["period"], p["sightings"]) for p in by_month] == [("2024-10-01", 3), ("2024-11-01", 1)]
    by_week = alice_client.get(f"/api/deer/{doe.id}/timeline?group_by=week").json()["periods"]
    assert [(p["period"], p["sightings"]) for p in by_week] == [("2024-09-30", 2), ("2024-10-07", 1), ("2024-11-18", 1)]
    by_day = alice_client.get(f"/api/deer/{doe.id}/timeline?group_by=day").json()["periods"]
    assert len(by_day) == 4
    bad = alice_client.get(f"/api/deer/{doe.id}/timeline?group_by=year")
    assert bad.status_code == 400 and bad.json()["detail"] == "group_by must be one of: day, month, week"


def test_locations(alice_client, doe):
    rows = alice_client.get(f"/api/deer/{doe.id}/locations").json()["locations"]
    assert [(r["name"], r["sightings"]) for r in rows] == [("North", 3), ("South", 1)]


def test_only_managers_delete_and_detections_stay(bob_client, charlie_client, doe):
    assert bob_client.delete(f"/api/deer/{doe.id}/").status_code == 403
    assert charlie_client.delete(f"/api/deer/{doe.id}/").status_code == 204
    assert not Deer.objects.exists() and Detection.objects.count() == 5
    assert not Detection.objects.exclude(deer=None).exists()


def test_unknown_deer_is_404(alice_client):
    assert alice_client.get("/api/deer/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert alice_client.get("/api/deer/not-a-uuid/").status_code == 404


def test_recompute_after_invalidation_updates_statistics(doe):
    first = Detection.objects.filter(deer=doe).order_by("taken_at").first()
    first.is_valid = False
    first.save()
    deer_recompute(doe)
    doe.refresh_from_db()
    assert doe.sighting_count == 3 and doe.first_seen.date().isoformat() == "2024-10-02"
    assert abs(np.linalg.norm(doe.get_centroid()) - 1) < 1e-5
