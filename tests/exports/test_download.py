"""GET /api/static/exports/{filename}: owner only, attachment, right type, no path traversal."""

import io
import zipfile

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(alice_client, post_export, run_jobs, ranch):
    zip_id = post_export(alice_client, "zip", {"detection_ids": [str(ranch["detections"][0].id)]}).json()["job_id"]
    run_jobs()
    return alice_client.get(f"/api/exports/zip/{zip_id}").json(), None


def test_downloads_are_attachments_with_the_right_type(alice_client, finished, post_export, run_jobs):
    zip_doc, _ = finished
    pdf_id = post_export(
        alice_client,
        "pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-10-01",
            "end_date": "2024-10-31",
        },
    ).json()["job_id"]
    run_jobs()
    pdf_doc = alice_client.get(f"/api/exports/pdf/{pdf_id}").json()
    response = alice_client.get(zip_doc["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{zip_doc["filename"]}"'
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
    response = alice_client.get(pdf_doc["download_url"])
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "....//....//etc/passwd",
        "subdir/report.pdf",
        "report.pdf",
        "detections_00000000-0000-0000-0000-000000000000_20240101_000000.zip",
    ],
)
def test_anything_but_a_plain_existing_export_name_is_404(alice_client, finished, name):
    response = alice_client.get(f"/api/static/exports/{name}")
    assert response.status_code == 404
    assert b"root:" not in response.content


def test_traversal_to_a_real_file_next_to_the_exports_is_404(alice_client, finished, settings):
    secret = settings.EXPORT_ROOT.parent / "secret.txt"
    secret.write_text("do not serve")
    zip_doc, _ = finished
    for name in ("../secret.txt", f"{zip_doc['filename']}/../../secret.txt", f"..%2F{zip_doc['filename']}"):
        assert alice_client.get(f"/api/static/exports/{name}").status_code == 404


def test_a_partial_file_is_not_downloadable(alice_client, finished, settings):
    zip_doc, _ = finished
    partial = settings.EXPORT_ROOT / (zip_doc["filename"] + ".partial")
    partial.write_bytes(b"half")
    assert alice_client.get(f"/api/static/exports/{partial.name}").status_code == 404


def test_a_file_whose_job_expired_is_404(alice_client, finished, redis_conn):
    zip_doc, _ = finished
    redis_conn.delete(f"export_job:{zip_doc['job_id']}")
    assert alice_client.get(zip_doc["download_url"]).status_code == 404


def test_an_export_file_replaced_by_a_link_is_404(alice_client, finished, settings, tmp_path):
    """Finding 6 of the security review: a link in the export volume is never followed."""
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    zip_doc, _ = finished
    assert alice_client.get(zip_doc["download_url"]).status_code == 200
    path = settings.EXPORT_ROOT / zip_doc["filename"]
    path.unlink()
    path.symlink_to(secret)
    assert alice_client.get(zip_doc["download_url"]).status_code == 404
