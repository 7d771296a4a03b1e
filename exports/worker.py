"""The RQ worker class for Herdbook (settings RQ["WORKER_CLASS"]).

A plain rq Worker tuned so that a job whose worker died or timed out reads ``failed`` within two
minutes (SPEC §4), plus the exports maintenance pass:

* heartbeats every EXPORT_JOB_MONITORING_INTERVAL s (default 5) with a grace of
  EXPORT_HEARTBEAT_GRACE s (default 30; rq's own is 60): a killed worker's job is abandoned
  about 35 s after its last heartbeat;
* maintenance every EXPORT_MAINTENANCE_INTERVAL s (default 30; rq's own is 600): rq's registry
  cleanup (abandoned jobs -> failure callback) and exports.lifecycle.run_maintenance
  (stuck jobs -> failed, expired files deleted);
* an idle worker wakes at least that often (rq waits worker_ttl - 15 = 405 s by default).
"""

import logging

from django.conf import settings
from django.db import connections
from rq import Worker

logger = logging.getLogger(__name__)


class HerdbookWorker(Worker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", int(getattr(settings, "EXPORT_MAINTENANCE_INTERVAL", 30)))
        kwargs.setdefault("job_monitoring_interval", int(getattr(settings, "EXPORT_JOB_MONITORING_INTERVAL", 5)))
        super().__init__(*args, **kwargs)

    @property
    def heartbeat_grace(self):
        return int(getattr(settings, "EXPORT_HEARTBEAT_GRACE", 30))

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
            from exports.lifecycle import run_maintenance

            run_maintenance(connection=self.connection, lock_seconds=max(1, self.maintenance_interval - 1))
        except Exception:  # maintenance must never stop the worker
            logger.exception("exports maintenance pass failed")
        finally:
            # This runs in the parent process: never hand a database connection to a forked horse.
            connections.close_all()
