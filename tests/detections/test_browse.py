"""GET /api/locations, /api/images, /api/detections: filters, ordering, cursor pagination."""

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 10, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def scene(db):
    """Two locations, five detections of varied class, confidence, review state and deer."""
    north, south = factories.location("North"), factories.location("South")
    stag = factories.deer(sex="buck", name="Big Ten")
    made = {
        "buck": factories.detection(
            factories.image(north, T0), "buck", 0.95, deer=stag, embedding=factories.unit_vector(8), embedding_model="m"
        ),
        "doe": factories.detection(factories.image(north, T0 + timedelta(days=1)), "doe", 0.80),
        "fawn": factories.detection(factories.image(south, T0 + timedelta(days=2)), "fawn", 0.40, is_reviewed=True),
        "fixed": factories.detection(
            factories.image(south, T0 + timedelta(days=3)), "doe", 0.70, corrected_classification="buck", is_valid=False
        ),
        "dupe": factories.detection(factories.image(south, T0 + timedelta(days=4)), "coyote", 0.60, is_duplicate=True),
    }
    return {"north": north, "south": south, "stag": stag, **made}


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_locations_are_listed_by_name(alice_client):
    factories.location("Zulu")
    factories.location("Alpha", timezone="America/Denver")
    response = alice_client.get("/api/locations")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["name"] for r in rows] == ["Alpha", "Zulu"]
    assert rows[0]["timezone"] == "America/Denver"


def test_detections_newest_first_with_related_fields(alice_client, scene):
    response = alice_client.get("/api/detections")
    assert ids(response) == [str(scene[k].id) for k in ("dupe", "fixed", "fawn", "doe", "buck")]
    buck = response.json()["results"][-1]
    assert buck["deer_name"] == "Big Ten" and buck["location_name"] == "North"
    assert buck["has_embedding"] is True and buck["embedding_model"] == "m"
    assert "embedding" not in buck
    fixed = response.json()["results"][1]
    assert (fixed["classification"], fixed["corrected_classification"], fixed["effective_classification"]) == (
        "doe",
        "buck",
        "buck",
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("classification=buck", ["fixed", "buck"]),  # effective class
        ("classification=buck,fawn", ["fixed", "fawn", "buck"]),
        ("model_classification=doe", ["fixed", "doe"]),
        ("min_confidence=0.7", ["fixed", "doe", "buck"]),
        ("reviewed=true", ["fawn"]),
        ("valid=false", ["fixed"]),
        ("duplicate=true", ["dupe"]),
        ("has_embedding=true", ["buck"]),
        ("has_deer=false", ["dupe", "fixed", "fawn", "doe"]),
        ("corrected=true", ["fixed"]),
        ("start_date=2024-10-16&end_date=2024-10-17", ["fawn", "doe"]),
        ("ordering=-confidence", ["buck", "doe", "fixed", "dupe", "fawn"]),
        ("ordering=confidence&valid=true", ["fawn", "dupe", "doe", "buck"]),
    ],
)
def test_detection_filters(alice_client, scene, query, expected):
    assert ids(alice_client.get(f"/api/detections?{query}")) == [str(scene[k].id) for k in expected]


def test_filter_by_location_and_deer(alice_client, scene):
    assert ids(alice_client.get(f"/api/detections?location={scene['north'].id}")) == [
        str(scene["doe"].id),
        str(scene["buck"].id),
    ]
    assert ids(alice_client.get(f"/api/detections?deer={scene['stag'].id}")) == [str(scene["buck"].id)]


@pytest.mark.parametrize(
    "query, field",
    [
        ("classification=elk", "classification"),
        ("min_confidence=2", "min_confidence"),
        ("start_date=15/10/2024", "start_date"),
        ("reviewed=maybe", "reviewed"),
        ("location=not-a-uuid", "location"),
    ],
)
def test_bad_filter_values_are_400(alice_client, scene, query, field):
    response = alice_client.get(f"/api/detections?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_cursor_pagination_walks_every_row_once(alice_client):
    loc = factories.location()
    same_time = T0  # several images share one timestamp: the cursor must still not skip or repeat
    made = set()
    for i in range(7):
        img = factories.image(loc, same_time if i < 4 else T0 + timedelta(minutes=i))
        made.add(str(factories.detection(img).id))
        made.add(str(factories.detection(img, bbox=(200, 200, 50, 50)).id))
    seen, url = [], "/api/detections?page_size=3"
    while url:
        body = alice_client.get(url).json()
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
    assert len(seen) == len(made) == 14
    assert set(seen) == made


def test_invalid_cursor_is_404(alice_client, scene):
    response = alice_client.get("/api/detections?cursor=garbage")
    assert response.status_code == 404


def test_detection_detail_has_the_embedding(alice_client, scene):
    response = alice_client.get(f"/api/detections/{scene['buck'].id}")
    assert response.status_code == 200
    body = response.json()
    assert body["embedding_dimension"] == 8
    assert len(body["embedding"]) == 8
    assert abs(sum(v * v for v in body["embedding"]) - 1.0) < 1e-5


def test_unknown_detection_is_404(alice_client, scene):
    assert alice_client.get("/api/detections/00000000-0000-0000-0000-000000000000").json() == {
        "detail": "Detection not found: 00000000-0000-0000-0000-000000000000"
    }
    assert alice_client.get("/api/detections/nope").status_code == 404


def test_images_list_filters_and_detail(alice_client, scene):
    response = alice_client.get(f"/api/images?location={scene['south'].id}&has_detections=true")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 3 and all(r["location_name"] == "South" for r in rows)
    assert rows[0]["thumbnail_url"] == f"/api/images/{rows[0]['id']}/thumbnail"
    detail = alice_client.get(f"/api/images/{scene['buck'].image_id}").json()
    assert [d["id"] for d in detail["detections"]] == [str(scene["buck"].id)]
    assert alice_client.get("/api/images/00000000-0000-0000-0000-000000000000").status_code == 404


def test_lists_need_login(client, scene):
    assert client.get("/api/detections").status_code in (401, 403)
