"""Merging and splitting profiles recomputes centroids and sightings."""

import numpy as np
import pytest

from detections.models import Detection
from reid.models import Deer, RejectedCandidate
from reid.profiles import deer_recompute
from reid.services import run_matching
from tests import factories
from tests.reid.helpers import hours, latent, sighting

pytestmark = pytest.mark.django_db


def profile(loc, sex, vectors, start=0, **fields):
    deer = factories.deer(sex=sex, embedding_model="test-model", **fields)
    for i, v in enumerate(vectors):
        sighting(loc, hours(start + i), v, classification=sex, deer=deer)
    return deer_recompute(deer)


def test_merge_moves_sightings_recomputes_and_deletes_sources(bob_client):
    loc = factories.location()
    a, b = latent(1), latent(2)
    target = profile(loc, "doe", [a, a], start=10)
    source = profile(loc, "doe", [b], start=0, name="Shadow", notes="torn ear")
    answer = bob_client.post(f"/api/deer/{target.id}/merge", {"deer_ids": [str(source.id)]}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (
        body["sighting_count"] == 3
        and body["name"] == "Shadow"
        and body["first_seen"].startswith(hours(0).date().isoformat())
    )
    assert not Deer.objects.filter(pk=source.pk).exists()
    target.refresh_from_db()
    expected = (a + a + b) / np.linalg.norm(a + a + b)
    np.testing.assert_allclose(target.get_centroid(), expected, atol=1e-5)
    assert target.notes == "torn ear" and Detection.objects.filter(deer=target).count() == 3


def test_merge_of_different_sexes_needs_force(bob_client):
    loc = factories.location()
    doe, buck = profile(loc, "doe", [latent(1)]), profile(loc, "buck", [latent(2)], start=5)
    refused = bob_client.post(f"/api/deer/{doe.id}/merge", {"deer_ids": [str(buck.id)]}, format="json")
    assert refused.status_code == 400 and "different sexes" in refused.json()["detail"]
    forced = bob_client.post(f"/api/deer/{doe.id}/merge", {"deer_ids": [str(buck.id)], "force": True}, format="json")
    assert forced.status_code == 200 and forced.json()["sighting_count"] == 2


def test_merge_validation(bob_client, alice_client):
    loc = factories.location()
    deer = profile(loc, "doe", [latent(1)])
    assert alice_client.post(f"/api/deer/{deer.id}/merge", {"deer_ids": []}, format="json").status_code == 403
    missing = bob_client.post(
        f"/api/deer/{deer.id}/merge", {"deer_ids": ["00000000-0000-4000-8000-000000000001"]}, format="json"
    )
    assert missing.status_code == 400 and "does not exist" in missing.json()["detail"]
    itself = bob_client.post(f"/api/deer/{deer.id}/merge", {"deer_ids": [str(deer.id)]}, format="json")
    assert itself.status_code == 400
    unknown = bob_client.post(f"/api/deer/{deer.id}/merge", {"deer_ids": [str(deer.id)], "bogus": 1}, format="json")
    assert unknown.status_code == 400 and "bogus" in unknown.json()["errors"]


def test_split_moves_detections_and_remembers_they_are_not_the_old_deer(bob_client):
    loc = factories.location()
    a, b = latent(1), latent(2)
    deer = profile(loc, "doe", [a, a, b, b])
    moved = list(Detection.objects.filter(deer=deer).order_by("taken_at").values_list("id", flat=True))[2:]
    answer = bob_client.post(
        f"/api/deer/{deer.id}/split", {"detection_ids": [str(pk) for pk in moved], "name": "Twin"}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    new = Deer.objects.get(name="Twin")
    assert answer.json()["deer"]["sighting_count"] == 2 and answer.json()["new_deer"]["sighting_count"] == 2
    np.testing.assert_allclose(new.get_centroid(), b, atol=1e-5)
    deer.refresh_from_db()
    np.testing.assert_allclose(deer.get_centroid(), a, atol=1e-5)
    assert RejectedCandidate.objects.filter(deer=deer, detection_id__in=moved).count() == 2
    # re-matching never moves them back
    Detection.objects.filter(id__in=moved).update(deer=None)
    run_matching()
    assert set(Detection.objects.filter(id__in=moved).values_list("deer", flat=True)).isdisjoint({deer.id})


def test_split_validation(bob_client):
    loc = factories.location()
    deer = profile(loc, "doe", [latent(1), latent(1)])
    other = profile(loc, "doe", [latent(2)], start=5)
    all_ids = [str(pk) for pk in Detection.objects.filter(deer=deer).values_list("id", flat=True)]
    everything = bob_client.post(f"/api/deer/{deer.id}/split", {"detection_ids": all_ids}, format="json")
    assert everything.status_code == 400 and "at least one detection" in everything.json()["detail"]
    foreign_id = str(Detection.objects.get(deer=other).id)
    foreign = bob_client.post(f"/api/deer/{deer.id}/split", {"detection_ids": [foreign_id]}, format="json")
    assert foreign.status_code == 400 and "does not belong" in foreign.json()["detail"]
    bad = bob_client.post(f"/api/deer/{deer.id}/split", {"detection_ids": ["nope"]}, format="json")
    assert bad.status_code == 400
    assert Deer.objects.count() == 2
