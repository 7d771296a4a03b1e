"""The RQ worker class for Herdbook (settings RQ["WORKER_CLASS"]) and its maintenance pass.

A plain rq Worker tuned so that a job whose worker died or timed out reads ``failed`` within two
minutes (SPEC §4), whatever the job (export, re-ID run, backfill, reprocess):

* heartbeats every EXPORT_JOB_MONITORING_INTERVAL s (default 5) with a grace of
  EXPORT_HEARTBEAT_GRACE s (default 30; rq's own is 60): a killed worker's job is abandoned
  about 35 s after its last heartbeat;
* maintenance every EXPORT_MAINTENANCE_INTERVAL s (default 30; rq's own is 600): rq's registry
  cleanup (abandoned jobs -> failure callback), then ``run_maintenance``: core.runner.reconcile
  (dead, timed-out and lost jobs -> failed) and the apps' housekeeping (core.signals.maintenance_pass);
* an idle worker wakes at least that often (rq waits worker_ttl - 15 = 405 s by default).
"""

import logging

from django.conf import settings
from django.db import connections
from rq import Worker

from core import runner
from core.signals import maintenance_pass

logger = logging.getLogger(__name__)
MAINTENANCE_LOCK = "herdbook:maintenance-lock"


def run_maintenance(connection, lock_seconds=25):
    """One pass (None when another worker holds the lock): reconcile every job, then housekeeping."""
    if not connection.set(MAINTENANCE_LOCK, "1", nx=True, ex=lock_seconds):
        return None
    summary = {"jobs": runner.reconcile(connection)}
    for _receiver, answer in maintenance_pass.send(sender=None, connection=connection):
        summary.update(answer or {})
    if any(outcome != "running" for outcome in summary["jobs"]) or any(
        value for name, value in summary.items() if name != "jobs"
    ):
        logger.info("maintenance pass: %s", summary)
    return summary


class HerdbookWorker(Worker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", int(settings.EXPORT_MAINTENANCE_INTERVAL))
        kwargs.setdefault("job_monitoring_interval", int(settings.EXPORT_JOB_MONITORING_INTERVAL))
        super().__init__(*args, **kwargs)

    @property
    def heartbeat_grace(self):
        return int(settings.EXPORT_HEARTBEAT_GRACE)

    @property
    def dequeue_timeout(self):
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval // 2 or 1))

    def get_heartbeat_ttl(self, job, working_time=0.0):
        if job.timeout and job.timeout > 0:
            return int(max(1, min(job.timeout - working_time, self.job_monitoring_interval))) + self.heartbeat_grace
        return self.job_monitoring_interval + self.heartbeat_grace

    def run_maintenance_tasks(self):
        try:
            super().run_maintenance_tasks()
            run_maintenance(self.connection, lock_seconds=max(1, self.maintenance_interval - 1))
        except Exception:  # maintenance must never stop the worker
            logger.exception("maintenance pass failed")
        finally:
            # This runs in the parent process: never hand a database connection to a forked horse.
            connections.close_all()
