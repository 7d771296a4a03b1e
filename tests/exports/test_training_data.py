"""Training-data export: reviewed detections as a YOLO dataset, split by time or location without a
burst on two sides; and the MegaDetector and training exports as job kinds through the API."""

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from core.vocabulary import CLASSIFICATIONS
from exports.training_data import split_at, time_cuts, write_training_data
from tests import factories
from tests.exports.megadetector_format import format_problems
from tests.exports.test_camtrap_dp_package import OCTOBER, field_site  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(bob):
    """Three sites; 20 bursts of three frames each over October, every box reviewed; one image with an
    unreviewed box (left out)."""
    sites = [factories.location(name, latitude=30.0, longitude=-97.0) for name in ("North", "South", "East")]
    start = datetime(2024, 10, 1, 12, tzinfo=UTC)
    for index in range(20):
        burst = uuid.uuid4()
        for frame in range(3):
            image = factories.image(
                sites[index % 3], taken_at=start + timedelta(days=index, seconds=frame), width=800, height=600
            )
            factories.detection(
                image, "doe", 0.9, bbox=(200, 150, 400, 300), burst=burst, is_reviewed=True, reviewed_by=bob
            )
    unreviewed = factories.image(sites[0], taken_at=start + timedelta(days=25), width=800, height=600)
    factories.detection(unreviewed, "buck", 0.9)
    return {"sites": sites, "unreviewed": unreviewed}


def open_dataset(path):
    archive = zipfile.ZipFile(path)
    labels = {name: archive.read(name).decode() for name in archive.namelist() if name.startswith("labels/")}
    return archive, labels


def test_yolo_dataset_by_time_keeps_bursts_whole(reviewed, tmp_path):
    path = tmp_path / "yolo.zip"
    counts = write_training_data({**OCTOBER, "split_by": "time"}, path)
    archive, labels = open_dataset(path)
    assert counts["train"] + counts["val"] + counts["test"] == 60 and counts["processed"] == 60
    assert counts["train"] == 42 and counts["val"] == 9 and counts["test"] == 9  # 14 / 3 / 3 bursts of 3
    assert str(reviewed["unreviewed"].id) not in " ".join(archive.namelist())
    doe = CLASSIFICATIONS.index("doe")
    assert set(labels.values()) == {f"{doe} 0.5 0.5 0.5 0.5\n"}  # 200+400/2 of 800, 150+300/2 of 600
    yaml = archive.read("data.yaml").decode()
    assert "train: images/train" in yaml and f"  {doe}: doe" in yaml and f"nc: {len(CLASSIFICATIONS)}" in yaml
    for name in labels:  # every label has its image, in the same split
        split, stem = name.split("/")[1], name.split("/")[2][:-4]
        assert f"images/{split}/{stem}.jpg" in archive.namelist()
    # the test set is the latest period
    rows = [line.split(",") for line in archive.read("splits.csv").decode().splitlines()[1:]]
    latest_train = max(row[2] for row in rows if row[3] == "train")
    assert min(row[2] for row in rows if row[3] == "test") > latest_train


def test_a_burst_is_never_on_two_sides():
    """Units of unequal size that would straddle a cut: each burst stays on one side."""
    start = datetime(2024, 10, 1, tzinfo=UTC)
    # 50 images: seven bursts of 7 frames and a single image; the cuts at 35 and 42.5 fall inside bursts.
    units = [(start + timedelta(minutes=7 * index), str(uuid.UUID(int=index + 1)), 7) for index in range(7)]
    units.append((start + timedelta(hours=2), "image-last", 1))
    cuts = time_cuts(iter(units), total=50)
    splits = {key: split_at((first, key), cuts) for first, key, _ in units}
    images = {split: sum(n for _, key, n in units if splits[key] == split) for split in ("train", "val", "test")}
    assert images == {"train": 35, "val": 14, "test": 1}  # 35 before the 6th burst = 70 %: it starts val
    assert [splits[key] for _, key, _ in units] == ["train"] * 5 + ["val"] * 2 + ["test"]
    # A unit big enough to cross both cuts leaves val empty rather than split.
    big = [(start, "a", 9), (start + timedelta(minutes=1), "b", 1)]
    assert time_cuts(iter(big), total=10) == {"test": (big[1][0], "b")}


def test_the_split_streams_bursts_of_frames_taken_at_several_sites(bob, tmp_path):
    """Bursts interleaved in time across sites, of unequal length, and images outside any burst."""
    sites = [factories.location(name, latitude=30.0, longitude=-97.0) for name in ("A", "B")]
    start = datetime(2024, 10, 2, 6, tzinfo=UTC)
    bursts = {}
    for index in range(12):
        burst = uuid.uuid4() if index % 4 else None
        for frame in range(1 + index % 5):
            image = factories.image(sites[index % 2], taken_at=start + timedelta(hours=index, minutes=frame * 25))
            factories.detection(image, "doe", 0.9, burst=burst, is_reviewed=True, reviewed_by=bob)
            bursts[str(image.id)] = burst or image.id
    path = tmp_path / "yolo.zip"
    counts = write_training_data({**OCTOBER, "split_by": "time"}, path)
    rows = [line.split(",") for line in zipfile.ZipFile(path).read("splits.csv").decode().splitlines()[1:]]
    assert len(rows) == len(bursts) == counts["train"] + counts["val"] + counts["test"]
    by_unit = {}
    for image_id, _, _, split in rows:
        by_unit.setdefault(bursts[image_id], set()).add(split)
    assert all(len(splits) == 1 for splits in by_unit.values())
    assert counts["test"] and counts["val"]
    first_frame = {}  # of each unit
    for image_id, _, taken_at, split in rows:
        unit = bursts[image_id]
        first_frame[unit] = min(first_frame.get(unit, (taken_at, split)), (taken_at, split))
    starts = {split: [taken for taken, s in first_frame.values() if s == split] for split in ("train", "val", "test")}
    assert max(starts["train"]) < min(starts["val"]) and max(starts["val"]) < min(starts["test"])  # in time order


def test_yolo_dataset_by_location_puts_each_site_in_one_split(reviewed, tmp_path):
    path = tmp_path / "yolo.zip"
    write_training_data({**OCTOBER, "split_by": "location"}, path)
    archive = zipfile.ZipFile(path)
    rows = [line.split(",") for line in archive.read("splits.csv").decode().splitlines()[1:]]
    sites = {}
    for _, location, _, split in rows:
        sites.setdefault(location, set()).add(split)
    # 21, 21 and 18 images: the smallest site is the test set, the next (by name on a tie) val
    assert sites == {"North": {"val"}, "South": {"train"}, "East": {"test"}}


def test_nothing_reviewed_is_a_clear_error(field_site, tmp_path):  # noqa: F811
    with pytest.raises(ValueError, match="no image in this period has only reviewed detections"):
        write_training_data({"start_date": "2024-11-01", "end_date": "2024-11-30"}, tmp_path / "yolo.zip")


def download(client, doc):
    response = client.get(doc["download_url"])
    assert response.status_code == 200
    return b"".join(response.streaming_content), response["Content-Type"]


def test_megadetector_export_as_a_job(alice_client, post_export, run_jobs, field_site):  # noqa: F811
    response = post_export(alice_client, "megadetector", OCTOBER)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["total_detections"] == 6 and body["status_url"] == f"/api/exports/megadetector/{body['job_id']}"
    run_jobs()
    doc = alice_client.get(body["status_url"]).json()
    assert doc["status"] == "completed" and doc["processed_count"] == 6 and doc["kind"] == "megadetector"
    data, content_type = download(alice_client, doc)
    assert content_type == "application/json" and format_problems(json.loads(data)) == []
    # another kind's status URL does not show it
    assert alice_client.get(f"/api/exports/training-data/{body['job_id']}").status_code == 404


def test_training_export_as_a_job(alice_client, post_export, run_jobs, reviewed):
    assert post_export(alice_client, "training-data", {**OCTOBER, "split_by": "random"}).json()["detail"] == (
        "split_by must be time or location (got 'random')."
    )
    response = post_export(alice_client, "training-data", {**OCTOBER, "split_by": "location"})
    assert response.status_code == 202, response.content
    run_jobs()
    doc = alice_client.get(response.json()["status_url"]).json()
    assert doc["status"] == "completed" and doc["filename"].startswith("training_yolo_"), doc
    data, content_type = download(alice_client, doc)
    assert content_type == "application/zip" and "data.yaml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
