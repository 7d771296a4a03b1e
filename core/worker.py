"""The RQ worker class for Herdbook (settings RQ["WORKER_CLASS"]) and its maintenance pass.

A plain rq Worker tuned so that a job whose worker died or timed out reads ``failed`` within two
minutes (SPEC §4), whatever the job (export, re-ID run, backfill, reprocess):

* heartbeats every EXPORT_JOB_MONITORING_INTERVAL s (default 5) with a grace of
  EXPORT_HEARTBEAT_GRACE s (default 30; rq's own is 60): a killed worker's job is abandoned
  about 35 s after its last heartbeat;
* maintenance every EXPORT_MAINTENANCE_INTERVAL s (default 30; rq's own is 600): rq's registry
  cleanup (abandoned jobs -> failure callback), then ``run_maintenance``: core.runner.reconcile
  (dead, timed-out and lost jobs -> failed) and the apps' housekeeping (core.signals.maintenance_pass);
* an idle worker wakes at least that often (rq waits worker_ttl - 15 = 405 s by default);
* it survives a Redis outage: heartbeats that fail while a job runs are logged (the work-horse goes
  on), and when rq's work loop gives up on a Redis error (rq 3.0 quits on any error outside its
  dequeue), ``work`` waits for Redis with backoff (REDIS_RETRY_FIRST .. REDIS_RETRY_MAX s) and starts
  the loop again. Its first maintenance pass then fails what the outage interrupted and publishes
  what finished meanwhile (exports.resync).
"""

import logging
import signal
import time

from django.conf import settings
from django.db import connections
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Worker

from core import runner
from core.signals import maintenance_pass

logger = logging.getLogger(__name__)
MAINTENANCE_LOCK = "herdbook:maintenance-lock"
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
REDIS_RETRY_FIRST, REDIS_RETRY_MAX = 1.0, 15.0
# A loop that ran this long before Redis failed starts its backoff afresh.
STABLE_SECONDS = 60


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
    # rq's own reconnect backoff inside its dequeue (default up to 60 s): Redis' return is noticed sooner.
    max_connection_wait_time = REDIS_RETRY_MAX

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", int(settings.EXPORT_MAINTENANCE_INTERVAL))
        kwargs.setdefault("job_monitoring_interval", int(settings.EXPORT_JOB_MONITORING_INTERVAL))
        super().__init__(*args, **kwargs)
        self.redis_error = None

    # -- surviving Redis outages ---------------------------------------------------------------

    def work(self, burst=False, *args, **kwargs):
        """rq's work loop, started again after Redis came back whenever a Redis error ended it."""
        delay = REDIS_RETRY_FIRST
        while True:
            self.redis_error = None
            started = time.monotonic()
            try:
                worked = super().work(burst, *args, **kwargs)
            except REDIS_ERRORS as exc:  # from its start (register_birth) or its end (register_death)
                self.redis_error, worked = exc, False
            if self.redis_error is None or burst or self._shutdown_requested_date is not None:
                return worked
            if time.monotonic() - started > STABLE_SECONDS:
                delay = REDIS_RETRY_FIRST
            logger.warning(
                "worker %s: Redis unreachable (%s); waiting for it to come back", self.name, self.redis_error
            )
            if not self.wait_for_redis(delay):
                return worked
            delay = min(delay * 2, REDIS_RETRY_MAX)
            self.forget_registration()
            logger.warning("worker %s: Redis is back; the work loop starts again", self.name)

    def wait_for_redis(self, delay):
        """Ping with backoff until Redis answers (True) or SIGINT/SIGTERM arrives (False)."""
        stop = []
        handlers = {sig: signal.signal(sig, lambda signum, frame: stop.append(signum)) for sig in STOP_SIGNALS}
        try:
            while not stop:
                deadline = time.monotonic() + delay
                while not stop and time.monotonic() < deadline:
                    time.sleep(0.2)
                try:
                    if not stop and self.connection.ping():
                        return True
                except REDIS_ERRORS:
                    delay = min(delay * 2, REDIS_RETRY_MAX)
            return False
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    def forget_registration(self):
        """What the loop that ended could not do without Redis: register its death (else the next
        start finds "an active worker named ..." already) and stop its pubsub thread."""
        for step in (self.unsubscribe, self.register_death):
            try:
                step()
            except Exception:  # best effort: the next start registers afresh
                logger.debug("worker %s: %s failed", self.name, step.__name__, exc_info=True)
        self.pubsub_thread = None

    def _noting_redis_errors(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except REDIS_ERRORS as exc:
            self.redis_error = exc
            raise

    def check_for_suspension(self, burst):
        return self._noting_redis_errors(super().check_for_suspension, burst)

    def execute_job(self, job, queue):
        return self._noting_redis_errors(super().execute_job, job, queue)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        result = self._noting_redis_errors(super().dequeue_job_and_maintain_ttl, timeout, max_idle_time)
        self.redis_error = None  # rq retried its own Redis errors until the dequeue went through
        return result

    def heartbeat(self, timeout=None, pipeline=None):
        return self._noting_redis_errors(super().heartbeat, timeout, pipeline)

    def maintain_heartbeats(self, job, execution):
        """While a job runs: a heartbeat Redis refuses is logged and the work-horse goes on. If Redis
        stays away past the grace, the job is abandoned when it returns and reads failed."""
        try:
            super().maintain_heartbeats(job, execution)
        except REDIS_ERRORS as exc:
            logger.warning("worker %s: heartbeat of job %s failed (Redis: %s); the job goes on", self.name, job.id, exc)

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
