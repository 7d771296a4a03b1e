"""The PDF job renders the reports engineer's PDF with real numbers from the database."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from tests import factories

pytestmark = pytest.mark.django_db


def test_pdf_holds_the_totals_of_the_database(alice_client, post_export, run_jobs, settings):
    site = factories.location("Hayfield")
    moment = datetime(2024, 10, 10, 15, tzinfo=UTC)
    for index in range(7):
        img = factories.image(site, taken_at=moment + timedelta(hours=index * 5))
        factories.detection(img, "buck" if index < 3 else "doe")
    job_id = post_export(
        alice_client,
        "pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-10-01",
            "end_date": "2024-10-31",
            "title": "October <script>alert(1)</script>",
            "include_charts": False,
        },
    ).json()["job_id"]
    run_jobs()
    doc = alice_client.get(f"/api/exports/pdf/{job_id}").json()
    assert doc["status"] == "completed", doc
    data = (settings.EXPORT_ROOT / doc["filename"]).read_bytes()
    assert data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Total detections" in text
    assert "7" in text and "Hayfield" in text
    assert "October <script>alert(1)</script>" in text  # shown as text, escaped in HTML


def test_pdf_progress_reaches_done_with_stages(alice_client, post_export, run_jobs, monkeypatch):
    from exports import status

    seen = []
    original = status.publish

    def spy(job, **kwargs):
        if not kwargs.get("create"):  # the worker's writes, not the POST's first copy
            seen.append(job.stage)
        return original(job, **kwargs)

    monkeypatch.setattr(status, "publish", spy)
    job_id = post_export(
        alice_client,
        "pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-10-01",
            "end_date": "2024-10-31",
        },
    ).json()["job_id"]
    run_jobs()
    assert seen[0] == "collecting" and "rendering" in seen and seen[-1] == "done"
    assert alice_client.get(f"/api/exports/pdf/{job_id}").json()["status"] == "completed"


def test_crafted_fields_cannot_pull_local_files_into_the_pdf(alice_client, post_export, run_jobs, settings):
    import os
    from pathlib import Path

    secret = Path(f"/tmp/hb-{os.getpid()}.css")
    secret.write_text("body::after { content: 'TOP-SECRET-CONTENT' }")
    title = f'<img src="file://{secret}"><link rel="stylesheet" href="file://{secret}">'
    job_id = post_export(
        alice_client,
        "pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-10-01",
            "end_date": "2024-10-31",
            "title": title,
            "include_charts": False,
        },
    ).json()["job_id"]
    run_jobs()
    doc = alice_client.get(f"/api/exports/pdf/{job_id}").json()
    assert doc["status"] == "completed", doc
    data = (settings.EXPORT_ROOT / doc["filename"]).read_bytes()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "TOP-SECRET-CONTENT" not in text and b"TOP-SECRET-CONTENT" not in data
    assert "<img src=" in text  # the title is shown as text
    secret.unlink()
