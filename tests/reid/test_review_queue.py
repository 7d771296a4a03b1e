"""The review queue API: candidates, accept, reject (remembered), new individual, unidentifiable,
skip and undo."""

import pytest

from detections.models import Detection
from reid.models import Deer, RejectedCandidate
from reid.services import run_matching
from tests.reid.conftest import at_cosine
from tests.reid.helpers import hours, latent, sighting

pytestmark = pytest.mark.django_db


def url(item, verb=""):
    return f"/api/reid/review/{item.id}/" + (f"{verb}" if verb else "")


def test_listing_shows_the_detection_crop_and_candidates(bob_client, queue):
    body = bob_client.get("/api/reid/review/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["detection"]["id"] == str(queue["detection"].id)
    assert row["detection"]["crop_url"] == f"/api/detections/{queue['detection'].id}/crop"
    candidates = row["candidates"]
    assert candidates[0]["deer"]["id"] == str(queue["first"].id) and abs(candidates[0]["score"] - 0.65) < 0.01
    assert candidates[0]["deer"]["thumbnail_url"].endswith("/crop")


def test_viewers_cannot_use_the_queue(alice_client, queue):
    assert alice_client.get("/api/reid/review/").status_code == 403
    assert alice_client.post(url(queue["item"], "unidentifiable")).status_code == 403


def test_accept_links_and_updates_the_deer_and_undo_reverts(bob_client, queue):
    answer = bob_client.post(url(queue["item"], "accept"), {"deer_id": str(queue["first"].id)}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    queue["detection"].refresh_from_db()
    queue["first"].refresh_from_db()
    assert queue["detection"].deer_id == queue["first"].id and queue["first"].sighting_count == 2
    again = bob_client.post(url(queue["item"], "accept"), {"deer_id": str(queue["first"].id)}, format="json")
    assert again.status_code == 409 and "already decided" in again.json()["detail"]
    undone = bob_client.post(url(queue["item"], "undo"))
    assert undone.status_code == 200 and undone.json()["status"] == "pending"
    queue["detection"].refresh_from_db()
    queue["first"].refresh_from_db()
    assert queue["detection"].deer_id is None and queue["first"].sighting_count == 1


def test_reject_is_remembered_and_never_offered_again(bob_client, queue):
    answer = bob_client.post(url(queue["item"], "reject"), {"deer_id": str(queue["first"].id)}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert [c["deer"]["id"] for c in answer.json()["candidates"]] == [str(queue["second"].id)]
    assert RejectedCandidate.objects.filter(detection=queue["detection"], deer=queue["first"]).exists()
    refused = bob_client.post(url(queue["item"], "accept"), {"deer_id": str(queue["first"].id)}, format="json")
    assert refused.status_code == 400 and "rejected" in refused.json()["detail"]
    # a new matching pass neither links it to the rejected deer nor offers it
    run_matching(threshold=0.5)
    queue["detection"].refresh_from_db()
    assert queue["detection"].deer_id != queue["first"].id


def test_undo_of_reject_forgets_it(bob_client, queue):
    bob_client.post(url(queue["item"], "reject"), {"deer_id": str(queue["first"].id)}, format="json")
    answer = bob_client.post(url(queue["item"], "undo"))
    assert answer.status_code == 200
    assert not RejectedCandidate.objects.exists()
    assert answer.json()["candidates"][0]["deer"]["id"] == str(queue["first"].id)


def test_new_individual_creates_a_profile_and_undo_deletes_it(bob_client, queue):
    answer = bob_client.post(url(queue["item"], "new"), {"name": "Newcomer"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "new_individual"
    deer = Deer.objects.get(name="Newcomer")
    assert deer.sex == "doe" and deer.sighting_count == 1 and deer.get_centroid() is not None
    bob_client.post(url(queue["item"], "undo"))
    assert not Deer.objects.filter(name="Newcomer").exists()
    queue["detection"].refresh_from_db()
    assert queue["detection"].deer_id is None


def test_unidentifiable_keeps_it_out_of_matching(bob_client, queue):
    answer = bob_client.post(url(queue["item"], "unidentifiable"))
    assert answer.status_code == 200 and answer.json()["status"] == "unidentifiable"
    run = run_matching(threshold=0.3)
    queue["detection"].refresh_from_db()
    assert queue["detection"].deer_id is None and run.processed_count == 0
    assert bob_client.get("/api/reid/review/").json()["count"] == 0
    assert bob_client.get("/api/reid/review/?status=unidentifiable").json()["count"] == 1


def test_skip_moves_the_item_to_the_back(bob_client, queue):
    later = sighting(queue["loc"], hours(9), at_cosine(latent(1), 0.64, 4))
    run_matching(detection_ids=[later.id])
    order = [r["detection"]["id"] for r in bob_client.get("/api/reid/review/").json()["results"]]
    assert order == [str(queue["detection"].id), str(later.id)]
    bob_client.post(url(queue["item"], "skip"))
    order = [r["detection"]["id"] for r in bob_client.get("/api/reid/review/").json()["results"]]
    assert order == [str(later.id), str(queue["detection"].id)]


def test_undo_my_last_decision(bob_client, queue):
    assert bob_client.post("/api/reid/review/undo").status_code == 409
    bob_client.post(url(queue["item"], "unidentifiable"))
    answer = bob_client.post("/api/reid/review/undo")
    assert answer.status_code == 200 and answer.json()["status"] == "pending"


def test_bad_requests_are_400(bob_client, queue):
    missing = bob_client.post(url(queue["item"], "accept"), {}, format="json")
    assert missing.status_code == 400 and "deer_id" in missing.json()["errors"]
    unknown_deer = bob_client.post(
        url(queue["item"], "accept"), {"deer_id": "00000000-0000-4000-8000-000000000009"}, format="json"
    )
    assert unknown_deer.status_code == 400 and "does not exist" in unknown_deer.json()["detail"]
    bad_status = bob_client.get("/api/reid/review/?status=maybe")
    assert bad_status.status_code == 400
    assert Detection.objects.exclude(deer=None).count() == 2


def test_reset_keeps_links_a_reviewer_confirmed(bob_client, queue):
    from reid.services import reset_automatic_matches

    bob_client.post(url(queue["item"], "accept"), {"deer_id": str(queue["first"].id)}, format="json")
    unlinked, _ = reset_automatic_matches()
    queue["detection"].refresh_from_db()
    assert queue["detection"].deer_id == queue["first"].id
    assert unlinked == 2 and Detection.objects.exclude(deer=None).count() == 1
