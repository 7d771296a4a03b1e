"""Server paths and internal error texts stay out of what people read (core.redaction, core.health)."""

import pytest
from django.conf import settings
from django.test import override_settings

from core.jobs import BackgroundJob
from core.redaction import hide_paths
from exports.models import ExportJob

pytestmark = pytest.mark.django_db


def test_paths_under_server_roots_read_as_their_last_name():
    part = settings.EXPORT_ROOT / "zip-1.zip.part"
    text = f"[Errno 13] Permission denied: '{part}' (project {settings.BASE_DIR}/config/settings.py)"
    assert hide_paths(text) == "[Errno 13] Permission denied: 'zip-1.zip.part' (project settings.py)"
    assert hide_paths(f"{settings.EXPORT_ROOT}/") == settings.EXPORT_ROOT.name
    # not a server root, or only a name that begins like one: left alone
    assert (
        hide_paths("see /api/exports/pdf and http://example.org/a/b")
        == "see /api/exports/pdf and http://example.org/a/b"
    )
    with override_settings(STATIC_ROOT="/srv/herdbook-static"):  # a root under no other root (not /tmp)
        assert hide_paths("/srv/herdbook-static/app.css") == "app.css"
        assert hide_paths("/srv/herdbook-static-other/x") == "/srv/herdbook-static-other/x"


def test_job_errors_show_no_absolute_server_path():
    error = PermissionError(13, "Permission denied", str(settings.EXPORT_ROOT / "zip-1.zip.part"))
    export = ExportJob(kind=ExportJob.Kind.ZIP).readable_error(error)
    assert export == "The ZIP archive could not be created: [Errno 13] Permission denied: 'zip-1.zip.part'"
    generic = BackgroundJob.readable_error(None, FileNotFoundError(2, "No such file", str(settings.BASE_DIR / "x.bin")))
    assert generic == "Unexpected error: FileNotFoundError: [Errno 2] No such file: 'x.bin'"


def test_healthz_shows_redis_error_text_to_staff_only(client, redis_down, alice, root):
    anonymous = client.get("/healthz").json()["redis"]
    assert anonymous == {"ok": False, "error": "Redis is unreachable."}
    client.force_login(alice)
    assert client.get("/healthz").json()["redis"] == anonymous
    client.force_login(root)
    staff = client.get("/healthz").json()["redis"]
    assert staff["error"] == "Redis is unreachable." and "ConnectionError" in staff["exception"]
