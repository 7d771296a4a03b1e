"""The staff pages: analysis with charts, and the review queue."""

import pytest
from django.test import Client

from reid.models import ReviewItem

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_analysis_page_shows_table_charts_and_recommendation(alice, scores):
    page = logged_in(alice).get("/reid/analysis/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<strong id="recommended">0.95</strong>' in html and html.count("<svg") == 4
    assert '<tr class="recommended">' in html
    assert "Pairwise precision, recall and F1 (matching replayed from scratch)" in html
    assert (
        'id="replay-note"' in html and "on 4 detections, 4 labelled" in html and '<th class="num">profiles</th>' in html
    )


def test_analysis_page_without_scores(alice):
    assert "run a backfill" in logged_in(alice).get("/reid/analysis/").content.decode()


def test_review_page_needs_a_reviewer_and_decides(alice, bob, queue):
    assert logged_in(alice).get("/reid/review/").status_code == 403
    client = logged_in(bob)
    html = client.get("/reid/review/").content.decode()
    assert f"/api/detections/{queue['detection'].id}/crop" in html and "Same deer" in html
    answer = client.post(
        f"/reid/review/{queue['item'].id}/decide", {"action": "accept", "deer_id": str(queue["first"].id)}
    )
    assert answer.status_code == 302
    assert ReviewItem.objects.get().status == "accepted"
    assert 'id="empty"' in client.get("/reid/review/").content.decode()
    client.post(f"/reid/review/{queue['item'].id}/decide", {"action": "undo"})
    assert ReviewItem.objects.get().status == "pending"
