"""Live status of export jobs in Redis: the one module that reads and writes ``export_job:{job_id}``.

Each key holds one JSON document (SPEC §4) written whole with SET ... EX (= SETEX, the TTL
restarts on every write). Only ``create`` may make a key; every later write is conditional on
the key still existing (SET XX inside WATCH/MULTI), so a job deleted by the user (or expired)
is never brought back by its worker: ``update`` then returns None and the worker stops.
"""

import json
import time
from datetime import UTC, datetime, timedelta

import django_rq
import django_rq.connection_utils
from django.conf import settings
from redis.exceptions import WatchError

PROCESSING, COMPLETED, FAILED = "processing", "completed", "failed"
FINAL_STATUSES = {COMPLETED, FAILED}
STAGES = ("queued", "collecting", "rendering", "writing", "done")
# Internal fields kept in the document but never shown to API clients.
PRIVATE_FIELDS = {"owner_id"}


_client = {"factory": None, "config": None, "conn": None}


def connection():
    """The Redis client of the "exports" queue, reused across requests (one connection pool).

    django-rq builds a new client (and pool) on every call, which costs a TCP connect per
    request; the client is rebuilt only when the factory or the queue's URL changes (tests swap
    the factory for fakeredis or a private redis-server).
    """
    factory = django_rq.connection_utils.get_redis_connection
    config = settings.RQ_QUEUES["exports"].get("URL")
    if _client["conn"] is None or _client["factory"] is not factory or _client["config"] != config:
        _client.update(factory=factory, config=config, conn=django_rq.get_connection("exports"))
    return _client["conn"]


def key(job_id):
    return f"export_job:{job_id}"


def iso(moment=None):
    """ISO 8601 UTC with a Z, millisecond precision."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def download_url(filename):
    return f"/api/static/exports/{filename}"


def ttl_seconds():
    return int(settings.EXPORT_JOB_TTL)


def create(job_id, kind, owner_id, total_count=0, conn=None):
    """Write the first document (status processing, stage queued) and return it."""
    doc = {
        "job_id": str(job_id),
        "kind": kind,
        "status": PROCESSING,
        "stage": "queued",
        "progress_percent": 0,
        "processed_count": 0,
        "total_count": int(total_count),
        "filename": None,
        "download_url": None,
        "file_size_bytes": None,
        "error": None,
        "created_at": iso(),
        "started_at": None,
        "completed_at": None,
        "owner_id": owner_id,
    }
    (conn or connection()).set(key(job_id), json.dumps(doc), ex=ttl_seconds())
    return doc


def read(job_id, conn=None):
    """(document, remaining TTL in seconds) or (None, None) when missing or expired."""
    pipe = (conn or connection()).pipeline(transaction=False)
    pipe.get(key(job_id))
    pipe.ttl(key(job_id))
    raw, ttl = pipe.execute()
    if raw is None:
        return None, None
    return json.loads(raw), max(int(ttl), 0)


def read_many(job_ids, conn=None):
    """Documents (or None) for several jobs in one round trip."""
    pipe = (conn or connection()).pipeline(transaction=False)
    for job_id in job_ids:
        pipe.get(key(job_id))
    return [json.loads(raw) if raw else None for raw in pipe.execute()]


def update(job_id, only_if_processing=False, conn=None, **fields):
    """Merge fields into the document atomically; None if the key is gone (deleted or expired).

    With only_if_processing, a document already completed/failed is left as it is (returned
    unchanged with a flag ``_unchanged``), so late failure reports never overwrite an outcome.
    """
    conn = conn or connection()
    name = key(job_id)
    with conn.pipeline() as pipe:
        while True:
            try:
                pipe.watch(name)
                raw = pipe.get(name)
                if raw is None:
                    pipe.unwatch()
                    return None
                doc = json.loads(raw)
                if only_if_processing and doc.get("status") != PROCESSING:
                    pipe.unwatch()
                    doc["_unchanged"] = True
                    return doc
                doc.update(fields)
                pipe.multi()
                pipe.set(name, json.dumps(doc), ex=ttl_seconds(), xx=True)
                result = pipe.execute()
                return doc if result[0] else None
            except WatchError:
                continue


def start(job_id, conn=None):
    return update(job_id, conn=conn, stage="collecting", started_at=iso())


def complete(job_id, filename, file_size_bytes, conn=None, **fields):
    return update(
        job_id,
        conn=conn,
        status=COMPLETED,
        stage="done",
        progress_percent=100,
        filename=filename,
        download_url=download_url(filename),
        file_size_bytes=int(file_size_bytes),
        error=None,
        completed_at=iso(),
        **fields,
    )


def fail(job_id, error, conn=None):
    """Mark a processing job failed with a readable message; an ended job is left alone."""
    return update(
        job_id,
        only_if_processing=True,
        conn=conn,
        status=FAILED,
        error=str(error)[:500],
        completed_at=iso(),
    )


def delete(job_id, conn=None):
    """Remove the key; returns the document it held (or None)."""
    conn = conn or connection()
    pipe = conn.pipeline()
    pipe.get(key(job_id))
    pipe.delete(key(job_id))
    raw, _ = pipe.execute()
    return json.loads(raw) if raw else None


def exists(job_id, conn=None):
    return bool((conn or connection()).exists(key(job_id)))


def public(doc, ttl):
    """The GET answer: the document without private fields, plus expires_at and error_message."""
    answer = {name: value for name, value in doc.items() if name not in PRIVATE_FIELDS}
    answer["expires_at"] = iso(datetime.now(UTC) + timedelta(seconds=ttl or 0))
    answer["error_message"] = doc.get("error")
    return answer


class Progress:
    """Throttled progress reports from a running job (at most a few writes per second).

    ``report(stage, percent, processed)`` returns False once the job's key is gone (the user
    deleted the job): the caller must stop and leave no file behind.
    """

    def __init__(self, job_id, min_interval=0.3, conn=None):
        self.job_id = job_id
        self.min_interval = min_interval
        self.conn = conn
        self.last_write = 0.0
        self.last_stage = None
        self.alive = True

    def report(self, stage, percent=None, processed=None, force=False):
        if not self.alive:
            return False
        now = time.monotonic()
        if not force and stage == self.last_stage and now - self.last_write < self.min_interval:
            return True
        fields = {"stage": stage}
        if percent is not None:
            fields["progress_percent"] = max(0, min(100, int(percent)))
        if processed is not None:
            fields["processed_count"] = int(processed)
        self.alive = update(self.job_id, conn=self.conn, **fields) is not None
        self.last_write, self.last_stage = now, stage
        return self.alive
