"""The review page side by side: each candidate with its best sightings and a link to its profile;
an htmx decision answers with its confirmation and the next item in place."""

import pytest

from reid.models import ReviewItem

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/reid/review/"}


def test_candidates_show_their_best_sightings_and_profile_links(client, bob, queue):
    client.force_login(bob)
    page = client.get("/reid/review/")
    text = page.content.decode()
    first = page.context["candidates"][0]
    assert first["deer"] == queue["first"] and len(first["sightings"]) == 1
    assert f'href="/deer/{queue["first"].pk}/"' in text
    assert f"/api/detections/{first['sightings'][0].pk}/crop" in text
    assert 'class="accept" data-key="1"' in text and 'class="reject" data-key="r"' in text


def test_htmx_decision_answers_the_confirmation_and_the_next_item(client, bob, queue):
    client.force_login(bob)
    url = f"/reid/review/{queue['item'].pk}/decide"
    rejected = client.post(url, {"action": "reject", "deer_id": queue["first"].pk}, **HTMX)
    assert rejected.status_code == 200
    text = rejected.content.decode()
    assert "<html" not in text  # a fragment, not a page
    assert f"Not {queue['first']}: it will not be offered again" in text
    assert [c["deer"] for c in rejected.context["candidates"]] == [queue["second"]]
    accepted = client.post(url, {"action": "accept", "deer_id": queue["second"].pk}, **HTMX)
    assert f"Same deer: linked to {queue['second']}." in accepted.content.decode()
    assert 'id="empty"' in accepted.content.decode() and accepted.context["remaining"] == 0
    undone = client.post(url, {"action": "undo"}, **HTMX)
    assert "Undid accept." in undone.content.decode()
    assert ReviewItem.objects.get().status == "pending"


def test_expired_session_in_htmx_gets_hx_redirect_to_the_login_page(client, queue):
    response = client.post(f"/reid/review/{queue['item'].pk}/decide", {"action": "skip"}, **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Freid%2Freview%2F"
    plain = client.post(f"/reid/review/{queue['item'].pk}/decide", {"action": "skip"})
    assert plain.status_code == 302 and "HX-Redirect" not in plain


def test_viewer_gets_a_styled_403_that_says_why(client, alice):
    client.force_login(alice)
    response = client.get("/reid/review/")
    assert response.status_code == 403
    assert b"The review queue needs the reviewer role." in response.content
    assert b'class="topbar"' in response.content and b"signed in as <strong>alice</strong>" in response.content


def test_unknown_page_is_a_404_in_the_site_layout(client, alice):
    client.force_login(alice)
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and b'id="error-404"' in response.content
    assert client.get("/api/no-such-endpoint/").json() == {"detail": "Not found."}
