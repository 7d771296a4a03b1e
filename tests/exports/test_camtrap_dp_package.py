"""The Camtrap DP package built from real rows: datapackage.json and the three CSVs, field by field.

Expected values are computed here from the detection rows (bbox fractions, local timestamps with
their offset), not by calling the exporter's own helpers.
"""

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image as PILImage

from detections.models import Image
from tests import factories

pytestmark = pytest.mark.django_db

UTC = UTC
DEPLOYMENT_HEADER = [
    "deploymentID",
    "locationID",
    "locationName",
    "latitude",
    "longitude",
    "coordinateUncertainty",
    "deploymentStart",
    "deploymentEnd",
    "setupBy",
    "cameraID",
    "cameraModel",
    "cameraDelay",
    "cameraHeight",
    "cameraDepth",
    "cameraTilt",
    "cameraHeading",
    "detectionDistance",
    "timestampIssues",
    "baitUse",
    "featureType",
    "habitat",
    "deploymentGroups",
    "deploymentTags",
    "deploymentComments",
]
MEDIA_HEADER = [
    "mediaID",
    "deploymentID",
    "captureMethod",
    "timestamp",
    "filePath",
    "filePublic",
    "fileName",
    "fileMediatype",
    "exifData",
    "favorite",
    "mediaComments",
]
OBSERVATION_HEADER = [
    "observationID",
    "deploymentID",
    "mediaID",
    "eventID",
    "eventStart",
    "eventEnd",
    "observationLevel",
    "observationType",
    "cameraSetupType",
    "scientificName",
    "count",
    "lifeStage",
    "sex",
    "behavior",
    "individualID",
    "individualPositionRadius",
    "individualPositionAngle",
    "individualSpeed",
    "bboxX",
    "bboxY",
    "bboxWidth",
    "bboxHeight",
    "classificationMethod",
    "classifiedBy",
    "classificationTimestamp",
    "classificationProbability",
    "observationTags",
    "observationComments",
]


@pytest.fixture
def field_site(db, bob):
    """Two camera sites in two time zones with every kind of detection a package has to map."""
    creek = factories.location("Creek", latitude=30.25, longitude=-97.75)  # America/Chicago (default)
    mesa = factories.location("=Mesa", latitude=31.5, longitude=-105.1, timezone="America/Denver")
    daisy = factories.deer("doe", name="Daisy", species="White-tailed deer (Odocoileus virginianus)")
    oct15 = datetime(2024, 10, 15, 17, 0, tzinfo=UTC)
    img_a = factories.image(creek, taken_at=oct15, width=800, height=600)
    img_b = factories.image(creek, taken_at=oct15 + timedelta(days=3), width=1000, height=500)
    img_c = factories.image(mesa, taken_at=oct15 + timedelta(days=1, hours=2), width=640, height=480)
    blank = factories.image(mesa, taken_at=oct15 + timedelta(days=2))  # nothing detected
    only_invalid = factories.image(creek, taken_at=oct15 + timedelta(days=4))  # its one box is unusable
    pending = factories.image(creek, taken_at=oct15 + timedelta(days=5), status=Image.Status.PENDING)
    outside = factories.image(creek, taken_at=datetime(2024, 11, 20, 12, tzinfo=UTC))
    reviewed_at = datetime(2024, 10, 20, 14, 30, tzinfo=UTC)
    burst = uuid.uuid4()
    d = {
        "doe": factories.detection(img_a, "doe", 0.91, bbox=(100, 150, 200, 300), deer=daisy, burst=burst),
        "buck": factories.detection(img_a, "buck", 0.82, bbox=(0, 0, 800, 600), burst=burst),
        "fawn": factories.detection(img_b, "fawn", 0.77, bbox=(250, 125, 125, 250)),
        "corrected": factories.detection(
            img_b,
            "doe",
            0.65,
            bbox=(10, 20, 30, 40),
            corrected_classification="buck",
            is_reviewed=True,
            reviewed_by=bob,
            reviewed_at=reviewed_at,
            correction_notes="@antlers visible",
        ),
        "coyote": factories.detection(img_c, "coyote", 0.88, bbox=(64, 48, 320, 240)),
        "human": factories.detection(img_c, "human", 0.99, bbox=(0, 0, 64, 480)),
    }
    invalid = factories.detection(only_invalid, "doe", 0.4, is_valid=False)
    duplicate = factories.detection(img_a, "doe", 0.5, is_duplicate=True)
    factories.detection(outside, "buck", 0.9)
    return {
        "creek": creek,
        "mesa": mesa,
        "daisy": daisy,
        "d": d,
        "blank": blank,
        "only_invalid": only_invalid,
        "pending": pending,
        "outside": outside,
        "invalid": invalid,
        "duplicate": duplicate,
        "images": [img_a, img_b, img_c],
        "reviewed_at": reviewed_at,
        "burst": burst,
    }


def build(client, post_export, run_jobs, body):
    response = post_export(client, "camtrap-dp", body)
    assert response.status_code == 202, response.content
    job_id = response.json()["job_id"]
    run_jobs()
    doc = client.get(f"/api/exports/camtrap-dp/{job_id}").json()
    assert doc["status"] == "completed", doc
    download = client.get(doc["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))), job_id, doc


def read_csv(archive, name):
    text = io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")
    reader = csv.reader(text)
    header = next(reader)
    return header, [dict(zip(header, row, strict=False)) for row in reader]


def local(moment, zone):
    """ISO 8601 in the location's zone with its offset, e.g. 2024-10-15T12:00:00-05:00."""
    return moment.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


OCTOBER = {"start_date": "2024-10-01", "end_date": "2024-10-31"}
LINKED = {**OCTOBER, "base_url": "https://ranch.example.org/"}  # what the API adds: the site's address


def test_datapackage_json_describes_the_package(alice, alice_client, post_export, run_jobs, field_site, settings):
    alice.first_name, alice.last_name, alice.email = "Alice", "Ranger", "alice@example.org"
    alice.save()
    archive, job_id, _ = build(alice_client, post_export, run_jobs, OCTOBER)
    assert archive.namelist()[:4] == ["datapackage.json", "deployments.csv", "media.csv", "observations.csv"]
    package = json.loads(archive.read("datapackage.json"))
    assert package["profile"] == "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/camtrap-dp-profile.json"
    assert package["id"] == job_id
    assert package["name"] == "herdbook-demo-ranch-2024-10-01-2024-10-31"
    assert datetime.strptime(package["created"], "%Y-%m-%dT%H:%M:%SZ")
    assert {"title": "Alice Ranger", "role": "contact", "email": "alice@example.org"} in package["contributors"]
    assert {"title": settings.SITE_NAME, "role": "rightsHolder"} in package["contributors"]
    project = package["project"]
    assert project["title"] == settings.SITE_NAME and project["samplingDesign"] == "targeted"
    assert project["captureMethod"] == ["activityDetection"] and project["observationLevel"] == ["media"]
    assert project["individualAnimals"] is True  # Daisy is linked
    assert package["spatial"]["type"] == "Polygon"
    assert package["spatial"]["bbox"] == [-105.1, 30.25, -97.75, 31.5]
    assert package["spatial"]["coordinates"][0][0] == package["spatial"]["coordinates"][0][-1]
    # first image 2024-10-15 12:00 CDT, last (the blank-by-invalid one) 2024-10-19 in America/Chicago
    assert package["temporal"] == {"start": "2024-10-15", "end": "2024-10-19"}
    assert package["taxonomic"] == [
        {
            "scientificName": "Canis latrans",
            "taxonID": "https://www.gbif.org/species/5219153",
            "taxonRank": "species",
            "vernacularNames": {"eng": "coyote"},
        },
        {
            "scientificName": "Odocoileus virginianus",
            "taxonID": "https://www.gbif.org/species/2440965",
            "taxonRank": "species",
            "vernacularNames": {"eng": "white-tailed deer"},
        },
    ]
    assert [license["scope"] for license in package["licenses"]] == ["data", "media"]
    assert package["coordinatePrecision"] == 0.1  # 30.25, -97.75, 31.5, -105.1: the least precise is 31.5
    assert [(r["name"], r["path"], r["profile"], r["schema"]) for r in package["resources"]] == [
        (
            name,
            f"{name}.csv",
            "tabular-data-resource",
            f"https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/{name}-table-schema.json",
        )
        for name in ("deployments", "media", "observations")
    ]


def test_deployments_one_per_location_first_to_last_image(alice_client, post_export, run_jobs, field_site):
    archive, _, _ = build(alice_client, post_export, run_jobs, OCTOBER)
    header, rows = read_csv(archive, "deployments.csv")
    assert header == DEPLOYMENT_HEADER
    by_id = {row["deploymentID"]: row for row in rows}
    creek, mesa = field_site["creek"], field_site["mesa"]
    assert set(by_id) == {str(creek.id), str(mesa.id)}
    row = by_id[str(creek.id)]
    assert (row["locationID"], row["locationName"], row["latitude"], row["longitude"]) == (
        str(creek.id),
        "Creek",
        "30.25",
        "-97.75",
    )
    # images at Creek in October: 10-15 17:00Z (a), 10-18 17:00Z (b), 10-19 17:00Z (only_invalid, a blank)
    assert (row["deploymentStart"], row["deploymentEnd"]) == ("2024-10-15T12:00:00-05:00", "2024-10-19T12:00:00-05:00")
    row = by_id[str(mesa.id)]
    assert row["locationName"] == "'=Mesa"  # CSV injection guard
    # 10-16 19:00Z and 10-17 17:00Z in America/Denver (MDT, -06:00)
    assert (row["deploymentStart"], row["deploymentEnd"]) == ("2024-10-16T13:00:00-06:00", "2024-10-17T11:00:00-06:00")


def test_media_rows_link_each_image(alice_client, post_export, run_jobs, field_site):
    archive, _, _ = build(alice_client, post_export, run_jobs, OCTOBER)
    header, rows = read_csv(archive, "media.csv")
    assert header == MEDIA_HEADER
    expected = field_site["images"] + [field_site["blank"], field_site["only_invalid"]]
    by_id = {row["mediaID"]: row for row in rows}
    assert set(by_id) == {str(image.id) for image in expected}  # not the pending one, not November
    for image in expected:
        row = by_id[str(image.id)]
        assert row["deploymentID"] == str(image.location_id)
        assert row["timestamp"] == local(image.taken_at, image.location.timezone)
        assert row["filePath"] == f"http://testserver/api/images/{image.id}/file"
        assert (row["filePublic"], row["fileName"], row["fileMediatype"]) == ("false", image.filename, "image/jpeg")
        assert row["captureMethod"] == "activityDetection"
    assert by_id[str(field_site["images"][2].id)]["timestamp"] == "2024-10-16T13:00:00-06:00"


def test_observations_match_the_detection_rows(alice_client, post_export, run_jobs, field_site):
    archive, _, doc = build(alice_client, post_export, run_jobs, OCTOBER)
    header, rows = read_csv(archive, "observations.csv")
    assert header == OBSERVATION_HEADER
    by_id = {row["observationID"]: row for row in rows}
    d = field_site["d"]
    assert set(by_id) == {str(det.id) for det in d.values()} | {
        f"blank-{field_site['blank'].id}",
        f"blank-{field_site['only_invalid'].id}",
    }
    assert doc["total_detections"] == 6 and doc["processed_count"] == 6
    expected_kind = {
        "doe": ("animal", "Odocoileus virginianus", "adult", "female"),
        "buck": ("animal", "Odocoileus virginianus", "adult", "male"),
        "fawn": ("animal", "Odocoileus virginianus", "juvenile", ""),
        "corrected": ("animal", "Odocoileus virginianus", "adult", "male"),  # doe corrected to buck
        "coyote": ("animal", "Canis latrans", "", ""),
        "human": ("human", "", "", ""),
    }
    for name, det in d.items():
        det.refresh_from_db()
        row = by_id[str(det.id)]
        image = det.image
        zone = image.location.timezone
        assert (row["deploymentID"], row["mediaID"]) == (str(image.location_id), str(image.id))
        assert row["eventStart"] == row["eventEnd"] == local(image.taken_at, zone)
        assert row["eventStart"][-6:] in ("-05:00", "-06:00")
        assert (row["observationLevel"], row["count"]) == ("media", "1")
        assert (row["observationType"], row["scientificName"], row["lifeStage"], row["sex"]) == expected_kind[name], (
            name
        )
        assert float(row["bboxX"]) == pytest.approx(det.bbox_x / image.width, abs=1e-6)
        assert float(row["bboxY"]) == pytest.approx(det.bbox_y / image.height, abs=1e-6)
        assert float(row["bboxWidth"]) == pytest.approx(det.bbox_width / image.width, abs=1e-6)
        assert float(row["bboxHeight"]) == pytest.approx(det.bbox_height / image.height, abs=1e-6)
        assert row["eventID"] == (str(det.burst) if det.burst else "")
        if name == "corrected":
            assert (row["classificationMethod"], row["classifiedBy"]) == ("human", "bob")
            assert row["classificationTimestamp"] == "2024-10-20T09:30:00-05:00"
            assert row["classificationProbability"] == ""
            assert row["observationComments"] == "'@antlers visible"
        else:
            assert row["classificationMethod"] == "machine"
            assert row["classifiedBy"].startswith("automatic detector")
            assert row["classificationTimestamp"] == local(det.created_at, zone)
            assert float(row["classificationProbability"]) == pytest.approx(det.confidence)
    assert by_id[str(d["doe"].id)]["individualID"] == str(field_site["daisy"].id)
    assert {by_id[str(det.id)]["individualID"] for key, det in d.items() if key != "doe"} == {""}
    # spot values computed by hand: 100/800, 150/600, 200/800, 300/600 and 250/1000, 125/500
    assert [by_id[str(d["doe"].id)][k] for k in ("bboxX", "bboxY", "bboxWidth", "bboxHeight")] == [
        "0.125",
        "0.25",
        "0.25",
        "0.5",
    ]
    assert [by_id[str(d["fawn"].id)][k] for k in ("bboxX", "bboxY")] == ["0.25", "0.25"]
    for image in (field_site["blank"], field_site["only_invalid"]):
        row = by_id[f"blank-{image.id}"]
        assert (row["mediaID"], row["deploymentID"]) == (str(image.id), str(image.location_id))
        assert (row["observationType"], row["observationLevel"], row["scientificName"], row["count"]) == (
            "blank",
            "media",
            "",
            "",
        )
        assert row["bboxX"] == "" and row["eventStart"] == local(image.taken_at, image.location.timezone)


def test_class_filter_exports_only_those_classes_and_no_blanks(alice_client, post_export, run_jobs, field_site):
    archive, _, doc = build(alice_client, post_export, run_jobs, {**OCTOBER, "classifications": ["buck"]})
    _, observations = read_csv(archive, "observations.csv")
    d = field_site["d"]
    assert {row["observationID"] for row in observations} == {str(d["buck"].id), str(d["corrected"].id)}
    _, media = read_csv(archive, "media.csv")
    assert {row["mediaID"] for row in media} == {str(d["buck"].image_id), str(d["corrected"].image_id)}
    _, deployments = read_csv(archive, "deployments.csv")
    assert [row["deploymentID"] for row in deployments] == [str(field_site["creek"].id)]
    package = json.loads(archive.read("datapackage.json"))
    assert package["project"]["individualAnimals"] is False
    assert package["spatial"] == {"type": "Point", "coordinates": [-97.75, 30.25]}
    assert doc["total_detections"] == 2


def test_location_filter(alice_client, post_export, run_jobs, field_site):
    archive, _, _ = build(
        alice_client, post_export, run_jobs, {**OCTOBER, "location_ids": [str(field_site["mesa"].id)]}
    )
    _, media = read_csv(archive, "media.csv")
    assert {row["mediaID"] for row in media} == {str(field_site["images"][2].id), str(field_site["blank"].id)}


def test_include_images_puts_the_real_jpegs_in_the_package(alice_client, post_export, run_jobs, field_site, settings):
    archive, job_id, _ = build(alice_client, post_export, run_jobs, {**OCTOBER, "include_images": True})
    _, media = read_csv(archive, "media.csv")
    files = sorted(name for name in archive.namelist() if name.startswith("media/"))
    assert files == sorted(row["filePath"] for row in media)
    assert len(files) == 5
    for row in media:
        assert row["filePublic"] == "true"
        image = Image.objects.get(id=row["mediaID"])
        assert row["filePath"].endswith(f"/{image.id}.jpg")
        data = archive.read(row["filePath"])
        assert data == (settings.IMAGE_ROOT / image.file).read_bytes()
        assert archive.getinfo(row["filePath"]).compress_type == zipfile.ZIP_STORED
        picture = PILImage.open(io.BytesIO(data))
        assert picture.format == "JPEG" and picture.size == (image.width, image.height)
    assert "media/Mesa/" in " ".join(files) and "media/Creek/" in " ".join(files)
    assert archive.getinfo("observations.csv").compress_type == zipfile.ZIP_DEFLATED


def test_cancelled_while_writing_stops_and_raises(field_site, tmp_path):
    from core.runner import Cancelled
    from exports.camtrap_dp import write_camtrap_dp

    calls = []

    def progress(stage, percent, processed, force=False):
        calls.append(stage)
        return len(calls) < 3  # the user deletes the job after the second report

    with pytest.raises(Cancelled):
        write_camtrap_dp(LINKED, tmp_path / "p.zip", progress=progress, total=6)
    assert len(calls) == 3


def test_coordinates_removed_after_the_request_fail_with_a_clear_error(field_site, tmp_path):
    from exports.camtrap_dp import write_camtrap_dp

    field_site["mesa"].longitude = None
    field_site["mesa"].save()
    with pytest.raises(ValueError, match="location =Mesa has no latitude/longitude"):
        write_camtrap_dp(LINKED, tmp_path / "p.zip", total=6)
