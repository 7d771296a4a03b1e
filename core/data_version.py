"""The data version: one Redis counter that every committed write to the survey data bumps.

Report results are cached under their parameters and this version (reports.cache), so a cached
report is never stale: any write to an image, detection, correction, deer, deployment, outage...
makes every earlier entry unreachable.

One place catches every write path: a database execute wrapper (installed on each connection by
core.apps) looks at each INSERT, UPDATE or DELETE statement. A statement on a table of a data app
(DATA_APPS: saves, deletes, QuerySet.update(), bulk_create, bulk_update, raw SQL alike; COPY, which
bypasses the wrappers, calls written() itself: core.bulk) marks its transaction, and the version is bumped once when it commits (at once in autocommit). Bumping after the commit matters: a report computed from the old data may still be
stored under the old version, but nobody reads that version any more. Job tables (subclasses of
core.jobs.BackgroundJob: progress rows written while a job runs) and derived tables (models marked
with the Derived mixin below: stored analyses, logged scores, lock rows) do not count, so storing a
result computed from the data does not make that result stale.

Without Redis, current() is None and reports are computed afresh (never served from a cache); after
a failure Redis is not asked again for RETRY_SECONDS, and this process's missed bump is made up for
as soon as it answers. (Another process's cached entries under the old version could then be read
until then: entries live REPORT_CACHE_SECONDS at most.)
"""

import logging
import re
import time

from django.apps import apps
from django.db import connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

KEY = "herdbook:data_version"
DATA_APPS = ("detections", "reid")  # deployments and outages live in detections
# The table a write statement writes to (a table named only in a subquery or join does not count).
WRITE = re.compile(
    r"""\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[`"]?(\w+)""",
    re.IGNORECASE,
)
_tables = None
_pending = False
_down_until = 0.0
RETRY_SECONDS = 5.0


class Derived:
    """Marks a model of a data app whose rows are derived from the data or kept by a process (a stored
    analysis, logged matching scores, a lock row): writing them is no data change and bumps nothing."""


def connection():
    import django_rq

    return django_rq.get_connection("default")


def data_tables():
    """Names of the tables whose writes change report figures."""
    global _tables
    if _tables is None:
        from core.jobs import BackgroundJob

        names = set()
        for app in DATA_APPS:
            try:
                models = apps.get_app_config(app).get_models(include_auto_created=True)
            except LookupError:
                continue
            names.update(m._meta.db_table for m in models if not issubclass(m, BackgroundJob | Derived))
        _tables = frozenset(name.lower() for name in names)
    return _tables


def _redis_failed():
    """Remember the failure: Redis is not tried again for RETRY_SECONDS (one warning per outage)."""
    global _down_until
    if not _down_until:
        logger.warning("Redis unavailable: reports are not cached until it answers again")
    _down_until = time.monotonic() + RETRY_SECONDS


def _redis_skipped():
    return _down_until and time.monotonic() < _down_until


def current():
    """The version as a string, or None when Redis cannot be reached."""
    global _pending, _down_until
    if _redis_skipped():
        return None
    try:
        redis = connection()
        if _pending:  # writes this process made while Redis was away
            redis.incr(KEY)
            _pending = False
        value = redis.get(KEY)
    except Exception:  # noqa: BLE001 - no Redis: no cache, the report is computed afresh
        _redis_failed()
        return None
    _down_until = 0.0
    return (value or b"0").decode()


def bump():
    global _pending
    if _redis_skipped():
        _pending = True
        return
    try:
        connection().incr(KEY)
    except Exception:  # noqa: BLE001
        # Bumped at this process's next successful current(); cached entries expire anyway.
        _pending = True
        _redis_failed()


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    write = WRITE.match(sql) if isinstance(sql, str) else None
    if write:
        written(context["connection"], write.group(1))
    return result


def written(connection, table):
    """Note a write to `table` on `connection` (the execute wrapper's work; also called by writers that
    bypass the wrappers, such as COPY in core.bulk): a data table bumps the version at the commit."""
    if table.lower() not in data_tables():
        return
    blocks = connection.atomic_blocks
    if not blocks or blocks[0]._from_testcase:
        bump()  # autocommit; or inside a test case's transaction, which never commits
    elif not any(entry[1] is bump for entry in connection.run_on_commit):
        connection.on_commit(bump)  # once per transaction; dropped with it on rollback


def install(sender=None, connection=None, **kwargs):
    if _watch not in connection.execute_wrappers:
        # First in the list: execute_wrapper() contexts entered earlier pop their own (the last) entry.
        connection.execute_wrappers.insert(0, _watch)


def connect():
    """Watch every database connection, those already open included (called from CoreConfig.ready)."""
    connection_created.connect(install, dispatch_uid="core.data_version")
    for alias in connections:
        install(connection=connections[alias])
