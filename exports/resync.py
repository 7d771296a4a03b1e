"""Outcomes published late: an export that finished while Redis was unreachable still reads
``processing`` in its status copy (ExportJob.state_changed logged the failed publish and went on).
Every maintenance pass (core.signals.maintenance_pass) publishes the outcome of such exports."""

import json
from datetime import timedelta

from django.utils import timezone

from core.jobs import FINISHED
from exports import status
from exports.models import ExportJob


def stale_outcomes(connection):
    """Finished exports (within the status TTL) whose copy in Redis still reads processing."""
    since = timezone.now() - timedelta(seconds=status.ttl_seconds())
    rows = list(ExportJob.objects.filter(status__in=FINISHED, completed_at__gte=since))
    if not rows:
        return []
    copies = connection.mget([status.key(row.id) for row in rows])
    return [
        row
        for row, raw in zip(rows, copies, strict=True)
        if raw is not None and json.loads(raw)["status"] == status.PROCESSING
    ]


def republish_outcomes(sender, connection, **kwargs):
    """Receiver of core.signals.maintenance_pass: publish each stale outcome (a cancelled export's
    copy is deleted, as DELETE does)."""
    stale = stale_outcomes(connection)
    for row in stale:
        status.publish(row, conn=connection)
    return {"republished": len(stale)} if stale else {}
