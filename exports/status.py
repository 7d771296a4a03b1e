"""The live status of an export in Redis: a copy of its ExportJob row under ``export_job:{job_id}``.

Each key holds one JSON document (SPEC §4) written whole with SET ... EX (= SETEX, the TTL restarts on
every write). Only the job runner writes it, through ``publish`` (called on every transition of the
row: core.jobs.BackgroundJob.state_changed), so it never disagrees with the row. Only the first
publish may create the key; every later one is conditional on the key still existing (SET XX inside
WATCH/MULTI) and never replaces a finished document with an unfinished one, so a job deleted by the
user (or expired) is never brought back and a late progress report never hides an outcome. Status
polling reads the copy alone: it never touches the database.
"""

import json
import time
from datetime import UTC, datetime, timedelta

import django_rq
import django_rq.connection_utils
from django.conf import settings
from redis.exceptions import WatchError

from core.timeutil import utc_iso

PROCESSING, COMPLETED, FAILED = "processing", "completed", "failed"
# Internal fields kept in the document but never shown to API clients.
PRIVATE_FIELDS = {"owner_id", "expires_epoch"}


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
    return utc_iso(moment, timespec="milliseconds")


def ttl_seconds():
    return int(settings.EXPORT_JOB_TTL)


def document(job):
    """The status document of an ExportJob row (its ``state``: queued and running read "processing")."""
    return {
        "job_id": str(job.id),
        "kind": job.kind,
        "status": job.state,
        "stage": job.stage or "queued",
        "progress_percent": job.progress_percent,
        "processed_count": job.processed_count,
        "total_count": job.total_count,
        "filename": job.filename or None,
        "download_url": job.download_url,
        "file_size_bytes": job.file_size_bytes,
        "error": job.error or None,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at) if job.started_at else None,
        "completed_at": iso(job.completed_at) if job.completed_at else None,
        "owner_id": job.requested_by_id,
    }


def publish(job, create=False, conn=None):
    """Write the row's copy; False when the key is gone (deleted, expired) or holds an outcome already.
    A cancelled job's key is deleted: DELETE removes the job."""
    conn = conn or connection()
    name = key(job.id)
    if job.status == "cancelled":
        conn.delete(name)
        return False
    # The key's expiry travels in the document, so a poll is one GET (no TTL round trip).
    doc = json.dumps({**document(job), "expires_epoch": round(time.time() + ttl_seconds(), 3)})
    if create:
        return bool(conn.set(name, doc, ex=ttl_seconds()))
    with conn.pipeline() as pipe:
        while True:
            try:
                pipe.watch(name)
                raw = pipe.get(name)
                if raw is None or json.loads(raw)["status"] != PROCESSING:
                    pipe.unwatch()
                    return False
                pipe.multi()
                pipe.set(name, doc, ex=ttl_seconds(), xx=True)
                return bool(pipe.execute()[0])
            except WatchError:
                continue


def read(job_id, conn=None):
    """(document, remaining TTL in seconds) or (None, None) when missing or expired: one GET."""
    conn = conn or connection()
    raw = conn.get(key(job_id))
    if raw is None:
        return None, None
    doc = json.loads(raw)
    if "expires_epoch" not in doc:  # written before the expiry was stored with it
        return doc, max(int(conn.ttl(key(job_id))), 0)
    return doc, max(doc["expires_epoch"] - time.time(), 0)


def delete(job_id, conn=None):
    """Remove the key (a job deleted by its owner); returns the document it held (or None)."""
    pipe = (conn or connection()).pipeline()
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
