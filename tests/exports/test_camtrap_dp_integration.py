"""Camtrap DP end to end against a real redis-server and a real `manage.py rqworker` process."""

import csv
import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def poll(client, url, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = client.get(url).json()
        assert 0 <= doc["progress_percent"] <= 100
        if doc["status"] != "processing":
            return doc
        time.sleep(0.3)
    pytest.fail(f"job still processing after {timeout} s: {doc}")


def test_camtrap_dp_package_from_a_real_worker(alice_client, start_worker, settings):
    site = factories.location("Sanctuary", latitude=29.9, longitude=-97.2)
    other = factories.location("TinMan", latitude=30.1, longitude=-97.6)
    moment = datetime(2024, 11, 5, 16, tzinfo=UTC)
    detections = []
    for index in range(6):
        img = factories.image(
            site if index % 2 else other, taken_at=moment + timedelta(hours=index * 3), width=800, height=600
        )
        detections.append(factories.detection(img, ["buck", "doe", "fawn"][index % 3], 0.8, bbox=(100, 50, 300, 200)))
    blank = factories.image(site, taken_at=moment + timedelta(days=1))
    start_worker("exports")

    response = alice_client.post(
        "/api/exports/camtrap-dp",
        {
            "start_date": "2024-11-01",
            "end_date": "2024-11-30",
            "include_images": True,
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.json()["total_detections"] == 6
    doc = poll(alice_client, response.json()["status_url"])
    assert doc["status"] == "completed", doc
    assert (doc["processed_count"], doc["progress_percent"]) == (6, 100)
    assert (settings.EXPORT_ROOT / doc["filename"]).is_file()

    download = alice_client.get(doc["download_url"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    package = json.loads(archive.read("datapackage.json"))
    assert package["id"] == response.json()["job_id"]
    observations = list(csv.DictReader(io.TextIOWrapper(archive.open("observations.csv"), encoding="utf-8")))
    assert sorted(row["observationID"] for row in observations if row["observationType"] == "animal") == sorted(
        str(d.id) for d in detections
    )
    assert [row["mediaID"] for row in observations if row["observationType"] == "blank"] == [str(blank.id)]
    assert {row["bboxX"] for row in observations if row["observationType"] == "animal"} == {"0.125"}
    media = list(csv.DictReader(io.TextIOWrapper(archive.open("media.csv"), encoding="utf-8")))
    assert len(media) == 7
    for row in media:
        assert archive.read(row["filePath"])[:2] == b"\xff\xd8"  # the real JPEG is in the package
