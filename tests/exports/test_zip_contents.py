"""The ZIP archive: exactly the requested crops, a correct metadata.csv, missing.csv, CSV injection."""

import csv
import io
import uuid
import zipfile

import pytest
from PIL import Image as PILImage

pytestmark = pytest.mark.django_db


def build(client, post_export, run_jobs, body):
    job_id = post_export(client, "zip", body).json()["job_id"]
    run_jobs()
    doc = client.get(f"/api/exports/zip/{job_id}").json()
    assert doc["status"] == "completed", doc
    response = client.get(doc["download_url"])
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))), doc


def read_csv(archive, name):
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")))


def test_requested_crops_and_metadata(alice_client, post_export, run_jobs, ranch):
    wanted = ranch["detections"][:3]
    unknown = uuid.uuid4()
    archive, doc = build(
        alice_client,
        post_export,
        run_jobs,
        {
            "detection_ids": [str(d.id) for d in wanted] + [str(unknown)],
            "crop_size": 128,
        },
    )
    crops = sorted(name for name in archive.namelist() if name.startswith("crops/"))
    assert crops == sorted(
        [
            f"crops/North_Field/{wanted[0].id}.jpg",
            f"crops/North_Field/{wanted[1].id}.jpg",
            f"crops/SUM_A1/{wanted[2].id}.jpg",
        ]
    )
    assert set(archive.namelist()) == set(crops) | {"metadata.csv", "missing.csv"}
    for name in crops:
        info = archive.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED
        picture = PILImage.open(archive.open(name))
        assert picture.format == "JPEG" and max(picture.size) == 128
    # aspect ratio kept: the 200x100 box becomes 128x64, the 120x240 box 64x128
    assert PILImage.open(archive.open(f"crops/North_Field/{wanted[0].id}.jpg")).size == (128, 64)
    assert PILImage.open(archive.open(f"crops/North_Field/{wanted[1].id}.jpg")).size == (64, 128)
    assert archive.getinfo("metadata.csv").compress_type == zipfile.ZIP_DEFLATED

    rows = {row["detection_id"]: row for row in read_csv(archive, "metadata.csv")}
    assert set(rows) == {str(d.id) for d in wanted}
    first = rows[str(wanted[0].id)]
    assert first["image_id"] == str(wanted[0].image_id)
    assert first["image_filename"] == wanted[0].image.filename
    assert first["taken_at"] == "2024-10-15T12:00:00-05:00"  # 17:00 UTC in America/Chicago (CDT)
    assert first["location"] == "North Field"
    assert (first["classification"], first["model_classification"], first["confidence"]) == ("doe", "doe", "0.9100")
    assert (first["bbox_x"], first["bbox_y"], first["bbox_width"], first["bbox_height"]) == ("10", "20", "200", "100")
    assert first["deer_id"] == str(ranch["deer"].id) and first["is_reviewed"] == "false"
    assert list(rows[str(wanted[0].id)].keys()) == [
        "detection_id",
        "image_id",
        "image_filename",
        "taken_at",
        "location",
        "classification",
        "model_classification",
        "confidence",
        "bbox_x",
        "bbox_y",
        "bbox_width",
        "bbox_height",
        "deer_id",
        "deer_name",
        "is_reviewed",
    ]
    assert read_csv(archive, "missing.csv") == [{"detection_id": str(unknown), "reason": "detection not found"}]
    assert doc["processed_count"] == 3 and doc["total_detections"] == 4 and doc["progress_percent"] == 100


def test_csv_injection_is_neutralised(alice_client, post_export, run_jobs, ranch):
    archive, _ = build(alice_client, post_export, run_jobs, {"detection_ids": [str(d.id) for d in ranch["detections"]]})
    rows = read_csv(archive, "metadata.csv")
    assert {row["location"] for row in rows} == {"North Field", "'=SUM(A1)"}
    assert "'@Daisy" in {row["deer_name"] for row in rows}
    corrected = next(row for row in rows if row["detection_id"] == str(ranch["detections"][3].id))
    assert (corrected["classification"], corrected["model_classification"]) == ("buck", "doe")


def test_full_images_once_per_image_and_no_crops(alice_client, post_export, run_jobs, ranch):
    archive, _ = build(
        alice_client,
        post_export,
        run_jobs,
        {
            "detection_ids": [str(d.id) for d in ranch["detections"]],
            "include_crops": False,
            "include_images": True,
        },
    )
    images = [name for name in archive.namelist() if name.startswith("images/")]
    assert len(images) == 2
    assert not [name for name in archive.namelist() if name.startswith("crops/")]
    assert PILImage.open(archive.open(images[0])).format == "JPEG"


def test_filter_selects_valid_detections_in_the_local_date_range(alice_client, post_export, run_jobs, ranch):
    archive, doc = build(
        alice_client,
        post_export,
        run_jobs,
        {
            "start_date": "2024-10-16",
            "end_date": "2024-10-20",
            "location_ids": [str(ranch["south"].id)],
            "include_metadata_csv": True,
        },
    )
    rows = read_csv(archive, "metadata.csv")
    assert {row["detection_id"] for row in rows} == {str(ranch["detections"][2].id), str(ranch["detections"][3].id)}
    assert "missing.csv" not in archive.namelist()
    assert doc["total_detections"] == 2


def test_missing_image_file_is_listed_not_fatal(alice_client, post_export, run_jobs, ranch):
    ranch["detections"][2].image.path.unlink()
    archive, _ = build(alice_client, post_export, run_jobs, {"detection_ids": [str(d.id) for d in ranch["detections"]]})
    crops = [name for name in archive.namelist() if name.startswith("crops/")]
    assert len(crops) == 2  # detections 2 and 3 share the missing image
    reasons = read_csv(archive, "missing.csv")
    assert {row["detection_id"] for row in reasons} == {str(ranch["detections"][2].id), str(ranch["detections"][3].id)}
    assert all("unreadable" in row["reason"] for row in reasons)
