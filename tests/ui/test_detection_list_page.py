"""The detections page on a large result: a capped count, statistics on demand, pages past the end,
file-name search by image ids or by a join (both give the same detections)."""

from datetime import UTC, datetime, timedelta

import pytest

from detections import filters, views
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def five(monkeypatch):
    """Five detections (4 doe, 1 buck; one doe reviewed) and a count cap of 2, so the result is "large"."""
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    loc = factories.location("Creek")
    made = []
    for i, cls in enumerate(("doe", "doe", "buck", "doe", "doe")):
        image = factories.image(loc, taken_at=START + timedelta(hours=i), write_file=False)
        image.filename = f"IMG_{i:04d}.JPG"
        image.save(update_fields=["filename"])
        made.append(factories.detection(image, classification=cls))
    made[0].is_reviewed = True
    made[0].save(update_fields=["is_reviewed"])
    return made


def test_a_result_past_the_cap_shows_a_capped_count_and_loads_its_statistics(client, bob, five):
    client.force_login(bob)
    response = client.get("/detections/", {"classification": "doe", "location": ""})
    body = response.content.decode()
    assert response.context["stats"] is None and response.context["page"].count is None
    assert '<span id="matching-count">2+</span>' in body
    assert "page 1</span>" in body and "next →" in body  # no "of N": the pages are not counted
    assert 'hx-get="/detections/stats?classification=doe"' in body
    assert [d.pk for d in response.context["page"].object_list] == [five[4].pk, five[3].pk]  # newest first

    stats = client.get("/detections/stats", {"classification": "doe"})
    text = stats.content.decode()
    assert stats.status_code == 200
    assert '<strong id="total-count">4</strong>' in text and "<strong>1</strong> of" in text
    assert '<span id="matching-count" hx-swap-oob="true">4</span>' in text  # the exact number replaces "2+"


def test_a_small_result_is_counted_with_the_page(client, bob, five):
    client.force_login(bob)
    response = client.get("/detections/", {"classification": "buck"})
    assert response.context["stats"]["total_count"] == 1 and response.context["page"].count == 1
    assert "page 1 of 1</span>" in response.content.decode()
    assert b"hx-get" not in response.content.split(b'id="review-progress"')[1][:200]


def test_a_page_past_the_end_of_a_large_result_shows_the_last_page(client, bob, five):
    client.force_login(bob)
    response = client.get("/detections/", {"page": "40"})
    page = response.context["page"]
    assert (page.number, page.count, page.has_next) == (3, 5, False)
    assert [d.pk for d in page.object_list] == [five[0].pk]
    assert client.get("/detections/", {"page": "zero"}).context["page"].number == 1


def test_statistics_of_a_bad_filter_are_a_clear_400(client, bob, five):
    client.force_login(bob)
    response = client.get("/detections/stats", {"min_confidence": "lots"})
    assert response.status_code == 400 and b"confidence" in response.content.lower()


@pytest.mark.parametrize("image_ids", [100, 1])  # by the few images' ids, or (more images than that) by a join
def test_file_name_search_finds_the_same_detections_either_way(client, bob, five, monkeypatch, image_ids):
    monkeypatch.setattr(filters, "FILENAME_IMAGE_IDS", image_ids)
    client.force_login(bob)
    found = client.get("/detections/", {"filename": "img_000"}).context["page"]
    assert found.count is None or found.count == 5
    one = client.get("/detections/", {"filename": "_0003.j"}).context["page"]
    assert [d.pk for d in one.object_list] == [five[3].pk] and one.count == 1
    assert client.get("/detections/", {"filename": "nothing"}).context["page"].count == 0
    api = client.get("/api/detections", {"filename": "img_0001"}).json()
    assert [row["id"] for row in api["results"]] == [str(five[1].pk)]
