"""Two real worker processes matching sightings of one new individual at the same time must not
create two profiles for it (real Redis, real `manage.py rqworker` processes, shared database)."""

import time
from datetime import timedelta

import django_rq
import numpy as np
import pytest
from rq.job import JobStatus

from detections.models import Detection
from reid.models import Deer, ReidRun
from tests import factories
from tests.reid.helpers import T0, latent, noisy, sighting


def wait_for(jobs, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = [job.get_status(refresh=True) for job in jobs]
        if all(s in (JobStatus.FINISHED, JobStatus.FAILED) for s in statuses):
            return statuses
        time.sleep(0.2)
    conn = jobs[0].connection
    state = {k.decode(): conn.type(k).decode() for k in conn.keys("rq:*")}
    lists = {k: conn.lrange(k, 0, -1) for k, t in state.items() if t == "list"}
    zsets = {k: conn.zrange(k, 0, -1, withscores=True) for k, t in state.items() if t == "zset"}
    pytest.fail(f"jobs did not finish: {statuses}\nkeys {state}\nlists {lists}\nzsets {zsets}")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_concurrent_jobs_create_one_profile_per_individual(start_worker):
    rng = np.random.default_rng(5)
    a = latent(1)
    sites = [factories.location() for _ in range(8)]
    # eight sightings of one doe, days apart at different sites (no bursts), all unassigned
    dets = [sighting(sites[i], T0 + timedelta(days=i), noisy(a, rng, 0.2)) for i in range(8)]
    queue = django_rq.get_queue("default")
    start_worker("default")
    start_worker("default")
    jobs = [queue.enqueue("reid.jobs.match_new_detections", [str(d.id) for d in dets[i::2]]) for i in range(2)]
    assert wait_for(jobs) == [JobStatus.FINISHED, JobStatus.FINISHED]
    assert Deer.objects.count() == 1
    deer = Deer.objects.get()
    assert set(Detection.objects.values_list("deer", flat=True)) == {deer.id}
    assert deer.sighting_count == 8
    runs = ReidRun.objects.all()
    assert runs.count() == 2 and sum(r.created_count for r in runs) == 1 and all(r.status == "completed" for r in runs)
