"""Findings 8 and 10: staff page forms. A deer id that is not a UUID is a message, not a 500; a
`next` that leaves the site is not followed (open redirect)."""

import pytest

from detections.models import Detection
from reid.models import ReviewItem
from tests import factories
from tests.reid.conftest import queue, reid_settings  # noqa: F401  (the review queue fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(client, bob):
    client.force_login(bob)
    return client


@pytest.mark.usefixtures("reid_settings", "queue")
@pytest.mark.parametrize("action", ["accept", "reject"])
def test_review_decide_with_a_deer_id_that_is_not_a_uuid_is_refused_with_a_message(reviewer, action):
    item = ReviewItem.objects.get()
    response = reviewer.post(f"/reid/review/{item.pk}/decide", {"action": action, "deer_id": "not-a-uuid"}, follow=True)
    assert response.status_code == 200
    assert "The chosen deer id is not a valid id." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.PENDING
    assert item.decided_by is None


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/detections/", "///evil.example/", "/\\evil.example/", "javascript:x"],
)
def test_batch_review_never_redirects_off_the_site(reviewer, target):
    detection = factories.detection()
    response = reviewer.post(
        "/detections/batch-review", {"ids": [str(detection.pk)], "action": "valid", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/detections/"


def test_batch_review_follows_a_next_on_the_site(reviewer):
    detection = factories.detection()
    response = reviewer.post(
        "/detections/batch-review",
        {"ids": [str(detection.pk)], "action": "valid", "next": "/detections/?classification=doe&page=2"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/detections/?classification=doe&page=2"
    assert Detection.objects.get().is_valid is True
