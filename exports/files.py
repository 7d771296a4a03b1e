"""Export files under EXPORT_ROOT: their names, and removing them when their job is gone.

A file is written as ``<name>.partial`` and renamed when complete. Expired files (their status key
is gone) are deleted by every worker's maintenance pass (core.signals.maintenance_pass, connected
in exports.apps) and by ``manage.py cleanup_exports``.
"""

import re
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from exports import status

EXPORT_FILENAME = re.compile(
    r"^(?:report|detections|camtrap_dp|megadetector|training_yolo)_(?P<job_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"_\d{8}_\d{6}\.(?:pdf|zip|json)(?P<partial>\.partial.*)?$"
)
FILE_PREFIXES = {
    "pdf": ("report", "pdf"),
    "zip": ("detections", "zip"),
    "camtrap_dp": ("camtrap_dp", "zip"),
    "megadetector": ("megadetector", "json"),
    "training": ("training_yolo", "zip"),
}


def root():
    return Path(settings.EXPORT_ROOT)


def export_filename(kind, job_id, moment=None):
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%d_%H%M%S")
    prefix, extension = FILE_PREFIXES[kind]
    return f"{prefix}_{job_id}_{stamp}.{extension}"


def remove_partials(job_id):
    for partial in root().glob(f"*_{job_id}_*.partial*"):
        partial.unlink(missing_ok=True)


def remove_all(job_id):
    """Every file of a job, finished or partial."""
    for leftover in root().glob(f"*_{job_id}_*"):
        if EXPORT_FILENAME.match(leftover.name):
            leftover.unlink(missing_ok=True)


def cleanup_expired_files(conn=None, partial_grace_seconds=60):
    """Delete export files whose status key is gone; returns the deleted file names."""
    conn = conn or status.connection()
    if not root().is_dir():
        return []
    deleted = []
    for path in root().iterdir():
        match = EXPORT_FILENAME.match(path.name)
        if not match or not path.is_file():
            continue
        if status.exists(match["job_id"], conn=conn):
            continue
        if match["partial"] and time.time() - path.stat().st_mtime < partial_grace_seconds:
            continue  # a job being written right now whose key was just deleted: its worker removes it
        path.unlink(missing_ok=True)
        deleted.append(path.name)
    return deleted


def maintenance(sender, connection, **kwargs):
    """Receiver of core.signals.maintenance_pass."""
    return {"deleted": cleanup_expired_files(connection)}
