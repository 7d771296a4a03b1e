import csv

import django_rq
import numpy as np
import pytest
from rq import SimpleWorker

from reid.models import Deer, ReidRun, ReviewItem, SimilarityScore
from reid.services import run_matching
from tests import factories
from tests.reid.helpers import basis, hours, latent, sighting, write_truth


@pytest.fixture(autouse=True)
def reid_settings(settings):
    settings.REID_BURST_SECONDS = 5
    settings.REID_LOG_TOP_K = 10
    settings.REID_AUTO_CREATE = True
    # the named test users get a password: hash it cheaply
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.fixture
def run_jobs(redis_conn):
    """Run every job queued on "default" now, in this process (fakeredis + SimpleWorker burst)."""

    def run():
        queue = django_rq.get_queue("default")
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
        return queue

    return run


@pytest.fixture
def scores(settings):
    loc = factories.location()
    x, y = factories.deer(sex="doe"), factories.deer(sex="buck")
    m1 = sighting(loc, hours(0), latent(1), deer=x)
    m2 = sighting(loc, hours(1), latent(1), deer=x)
    m3 = sighting(loc, hours(2), latent(2), classification="buck", deer=y)
    m4 = sighting(loc, hours(3), latent(2), classification="buck", deer=y)
    with open(settings.GROUND_TRUTH_PATH, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["detection_id", "individual_id"])
        writer.writerows([(m1.id, "I1"), (m2.id, "I1"), (m3.id, "I2"), (m4.id, "I2")])
    run = ReidRun.objects.create(kind="backfill", status="completed", threshold=0.7)
    run.completed_at = run.created_at
    run.save()
    logged = {m1: [(x, 0.91), (y, 0.52)], m2: [(y, 0.72), (x, 0.655)], m3: [(y, 0.81), (x, 0.41)], m4: [(x, 0.61)]}
    for det, candidates in logged.items():
        for rank, (deer, score) in enumerate(candidates, start=1):
            SimilarityScore.objects.create(
                run=run,
                detection=det,
                deer=deer,
                score=score,
                rank=rank,
                sex_match=True,
                matched=False,
                threshold_used=0.7,
            )
    return run


def at_cosine(a, cosine, seed):
    other = latent(seed) - (latent(seed) @ a) * a
    other /= np.linalg.norm(other)
    return (cosine * a + np.sqrt(1 - cosine**2) * other).astype(np.float32)


@pytest.fixture
def queue():
    """Two doe profiles and one doe detection that scores 0.65 / 0.60 against them."""
    loc = factories.location()
    a = latent(1)
    b = at_cosine(a, 0.2, 2)
    sighting(loc, hours(0), a)
    sighting(loc, hours(1), b)
    run_matching()
    first, second = Deer.objects.get(first_seen=hours(0)), Deer.objects.get(first_seen=hours(1))
    middling = at_cosine(a, 0.65, 3)
    queued = sighting(loc, hours(5), middling)
    run_matching()
    item = ReviewItem.objects.get()
    return {"item": item, "first": first, "second": second, "detection": queued, "loc": loc}


@pytest.fixture
def three_does(settings):
    """Does A (3 sightings), B and C (2 each), one camera, hours apart (no bursts). Every sighting is
    exactly its individual's vector: a = e0, b at cosine 0.50 from a, c at 0.65 from a (0.325 from b).
    Order: A1 A2 B1 C1 A3 B2 C2."""
    loc = factories.location()
    a = basis(0)
    b = (0.5 * basis(0) + np.sqrt(0.75) * basis(1)).astype(np.float32)
    c = (0.65 * basis(0) + np.sqrt(1 - 0.65**2) * basis(2)).astype(np.float32)
    plan = [("A", a), ("A", a), ("B", b), ("C", c), ("A", a), ("B", b), ("C", c)]
    dets = [sighting(loc, hours(i), vector) for i, (_, vector) in enumerate(plan)]
    write_truth(settings, [(d, label) for d, (label, _) in zip(dets, plan, strict=False)])
    return dets, [label for label, _ in plan]
