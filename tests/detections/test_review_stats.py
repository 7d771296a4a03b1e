"""GET /api/detections/review-stats."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_review_stats_counts_in_the_database(alice_client):
    north, south = factories.location("North"), factories.location("South")
    factories.detection(factories.image(north), "doe", is_reviewed=True)
    factories.detection(factories.image(north), "doe", is_reviewed=True, is_valid=False)
    factories.detection(factories.image(north), "doe", corrected_classification="buck", is_reviewed=True)
    factories.detection(factories.image(south), "fawn", is_duplicate=True)

    body = alice_client.get("/api/detections/review-stats").json()
    assert body == {
        "total_count": 4,
        "reviewed_count": 3,
        "unreviewed_count": 1,
        "valid_count": 3,
        "invalid_count": 1,
        "corrected_count": 1,
        "duplicate_count": 1,
        "progress_percent": 75.0,
        "by_classification": [
            {"classification": "buck", "total_count": 1, "reviewed_count": 1},
            {"classification": "doe", "total_count": 2, "reviewed_count": 2},
            {"classification": "fawn", "total_count": 1, "reviewed_count": 0},
        ],
    }
    south_only = alice_client.get(f"/api/detections/review-stats?location={south.id}").json()
    assert (south_only["total_count"], south_only["progress_percent"]) == (1, 0.0)


def test_review_stats_of_nothing(alice_client):
    body = alice_client.get("/api/detections/review-stats").json()
    assert body["total_count"] == 0 and body["progress_percent"] == 0.0
