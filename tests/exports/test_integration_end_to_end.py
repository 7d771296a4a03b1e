"""End to end against a real redis-server and a real `manage.py rqworker` process:
POST -> poll until completed -> download -> open the PDF / ZIP."""

import csv
import io
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def poll(client, url, timeout=180):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        doc = client.get(url).json()
        seen.append((doc["stage"], doc["progress_percent"]))
        assert 0 <= doc["progress_percent"] <= 100
        if doc["status"] != "processing":
            return doc, seen
        time.sleep(0.3)
    pytest.fail(f"job still processing after {timeout} s: {seen[-3:]}")


def test_pdf_and_zip_end_to_end(alice_client, start_worker):
    site = factories.location("Sanctuary")
    other = factories.location("TinMan")
    moment = datetime(2024, 11, 5, 16, tzinfo=UTC)
    wanted = []
    for index in range(6):
        img = factories.image(
            site if index % 2 else other, taken_at=moment + timedelta(hours=index * 3), width=800, height=600
        )
        wanted.append(factories.detection(img, ["buck", "doe", "fawn"][index % 3], 0.8, bbox=(100, 50, 300, 200)))
    factories.detection(factories.image(site, taken_at=moment), "doe")  # not requested
    start_worker("exports")

    pdf = alice_client.post(
        "/api/exports/pdf",
        {
            "report_type": "seasonal_activity",
            "start_date": "2024-11-01",
            "end_date": "2024-11-30",
            "group_by": "week",
            "title": "November activity",
        },
        format="json",
    )
    assert pdf.status_code == 202
    zip_ = alice_client.post(
        "/api/exports/zip", {"detection_ids": [str(d.id) for d in wanted], "crop_size": 200}, format="json"
    )
    assert zip_.status_code == 202 and zip_.json()["total_detections"] == 6

    doc, _ = poll(alice_client, pdf.json()["status_url"])
    assert doc["status"] == "completed", doc
    response = alice_client.get(doc["download_url"])
    data = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf" and data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "November activity" in text and "Total detections" in text and "7" in text

    doc, _ = poll(alice_client, zip_.json()["status_url"])
    assert doc["status"] == "completed", doc
    assert (doc["total_detections"], doc["processed_count"], doc["progress_percent"]) == (6, 6, 100)
    response = alice_client.get(doc["download_url"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    crops = sorted(name for name in archive.namelist() if name.startswith("crops/"))
    assert crops == sorted(f"crops/{d.location.name}/{d.id}.jpg" for d in wanted)
    rows = list(csv.DictReader(io.TextIOWrapper(archive.open("metadata.csv"), encoding="utf-8")))
    assert sorted(row["detection_id"] for row in rows) == sorted(str(d.id) for d in wanted)
    assert {row["classification"] for row in rows} == {"buck", "doe", "fawn"}
