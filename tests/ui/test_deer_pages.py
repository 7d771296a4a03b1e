from datetime import UTC, datetime

import pytest

from detections.models import Detection
from reid.models import Deer
from reid.profiles import deer_recompute
from tests import factories

pytestmark = pytest.mark.django_db


def sighted_deer(sex, name, times, loc):
    deer = factories.deer(sex=sex, name=name)
    for i, taken in enumerate(times):
        factories.detection(
            factories.image(loc, taken_at=taken), classification=sex, embedding=factories.unit_vector(8, i), deer=deer
        )
    return deer_recompute(deer)


@pytest.fixture
def herd():
    loc = factories.location("Hayfield")
    t = lambda month, day: datetime(2024, month, day, 12, tzinfo=UTC)  # noqa: E731
    return {
        "big": sighted_deer("buck", "Big Ten", [t(10, 1), t(10, 5), t(11, 2)], loc),
        "doe": sighted_deer("doe", "Clover", [t(9, 1)], loc),
        "twin": sighted_deer("buck", "", [t(12, 1), t(12, 2)], loc),
    }


def test_gallery_lists_by_sightings_and_filters_by_sex(client, alice, herd):
    client.force_login(alice)
    response = client.get("/deer/", {"sex": "buck"})
    assert [d.name for d in response.context["page"].object_list] == ["Big Ten", ""]
    assert b"3 sightings" in response.content


def test_detail_shows_timeline_and_locations(client, alice, herd):
    client.force_login(alice)
    response = client.get(f"/deer/{herd['big'].pk}/")
    assert response.status_code == 200
    assert [(r["period"], r["sightings"]) for r in response.context["timeline"]] == [
        ("2024-10-01", 2),
        ("2024-11-01", 1),
    ]
    assert response.context["locations"][0]["sightings"] == 3
    assert b"Merge another deer" not in response.content  # viewer


def test_reviewer_renames_viewer_cannot(client, alice, bob, herd):
    client.force_login(alice)
    assert (
        client.post(f"/deer/{herd['doe'].pk}/edit", {"name": "X", "sex": "doe", "status": "alive"}).status_code == 403
    )
    client.force_login(bob)
    response = client.post(f"/deer/{herd['doe'].pk}/edit", {"name": "Clover II", "sex": "doe", "status": "deceased"})
    assert response.status_code == 302
    herd["doe"].refresh_from_db()
    assert (herd["doe"].name, herd["doe"].status) == ("Clover II", "deceased")


def test_merge_moves_sightings_and_recomputes(client, bob, herd):
    client.force_login(bob)
    client.post(f"/deer/{herd['big'].pk}/merge", {"source": herd["twin"].pk})
    big = Deer.objects.get(pk=herd["big"].pk)
    assert big.sighting_count == 5
    assert big.last_seen == datetime(2024, 12, 2, 12, tzinfo=UTC)
    assert not Deer.objects.filter(pk=herd["twin"].pk).exists()


def test_merge_of_different_sexes_needs_force(client, bob, herd):
    client.force_login(bob)
    response = client.post(f"/deer/{herd['big'].pk}/merge", {"source": herd["doe"].pk}, follow=True)
    assert b"different sexes" in response.content
    assert Deer.objects.filter(pk=herd["doe"].pk).exists()


def test_split_moves_ticked_sightings_to_a_new_deer(client, bob, herd):
    client.force_login(bob)
    moved = Detection.objects.filter(deer=herd["big"]).order_by("taken_at").first()
    response = client.post(f"/deer/{herd['big'].pk}/split", {"detection_ids": [moved.pk]})
    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.deer_id != herd["big"].pk
    herd["big"].refresh_from_db()
    assert herd["big"].sighting_count == 2 and moved.deer.sighting_count == 1
