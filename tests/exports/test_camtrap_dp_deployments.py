"""Camtrap DP deployments.csv from stored deployments: one row per deployment with its own fields,
media and observations pointing at the deployment that holds them, every key resolving."""

from datetime import UTC, datetime

import pytest

from detections.deployments import clock_offset_set
from detections.models import Deployment
from tests import factories
from tests.exports.test_camtrap_dp_package import DEPLOYMENT_HEADER, build, read_csv

pytestmark = pytest.mark.django_db
FEATURES = {
    "roadPaved",
    "roadDirt",
    "trailHiking",
    "trailGame",
    "roadUnderpass",
    "roadOverpass",
    "roadBridge",
    "culvert",
    "burrow",
    "nestSite",
    "carcass",
    "waterSource",
    "fruitingTree",
}  # Camtrap DP 1.0.2 deployments-table-schema featureType enum


def at(day, hour=12):
    return datetime(2024, 10, day, hour, tzinfo=UTC)


@pytest.fixture
def swapped(db):
    """Feeder: camera A Oct 1..10 (clock fixed +1 h), swapped for camera B from Oct 10 (running);
    one image before any setup. Ridge: no deployment recorded."""
    feeder = factories.location("Feeder", latitude=30.1, longitude=-97.2)
    ridge = factories.location("Ridge", latitude=30.2, longitude=-97.3)
    first = Deployment.objects.create(
        location=feeder,
        setup_at=at(1, 15),
        pickup_at=at(10),
        camera_id="A",
        camera_model="Reconyx-HP2X",
        camera_height=1.1,
        bait_use=True,
        feature_type="trailGame",
        setup_by="Ana",
        notes="corn feeder",
    )
    second = Deployment.objects.create(location=feeder, setup_at=at(10), camera_id="B")
    images = {
        "a": factories.image(feeder, taken_at=at(3)),
        "b": factories.image(feeder, taken_at=at(12)),
        "early": factories.image(feeder, taken_at=at(1, 10)),
        "ridge": factories.image(ridge, taken_at=at(5)),
    }
    for img in images.values():
        factories.detection(img, "doe")
    clock_offset_set(first, 3600)
    return {"feeder": feeder, "ridge": ridge, "first": first, "second": second, "images": images}


def test_deployments_come_from_the_stored_rows(alice_client, post_export, run_jobs, swapped):
    archive, _, _ = build(alice_client, post_export, run_jobs, {"start_date": "2024-10-01", "end_date": "2024-10-31"})
    header, rows = read_csv(archive, "deployments.csv")
    assert header == DEPLOYMENT_HEADER
    by_id = {row["deploymentID"]: row for row in rows}
    first, second, feeder, ridge = swapped["first"], swapped["second"], swapped["feeder"], swapped["ridge"]
    assert set(by_id) == {str(first.id), str(second.id), str(feeder.id), str(ridge.id)}
    row = by_id[str(first.id)]
    assert (row["deploymentStart"], row["deploymentEnd"]) == ("2024-10-01T10:00:00-05:00", "2024-10-10T07:00:00-05:00")
    assert (row["cameraID"], row["cameraModel"], row["cameraHeight"], row["setupBy"]) == (
        "A",
        "Reconyx-HP2X",
        "1.1",
        "Ana",
    )
    assert (row["baitUse"], row["featureType"], row["timestampIssues"]) == ("true", "trailGame", "false")
    assert "corn feeder" in row["deploymentComments"] and "+3600 s" in row["deploymentComments"]
    row = by_id[str(second.id)]
    assert (row["cameraID"], row["baitUse"], row["featureType"]) == ("B", "false", "")
    assert row["deploymentEnd"] == "2024-10-12T07:00:00-05:00"  # running: its last image
    assert "Still running" in row["deploymentComments"]
    outside = by_id[str(feeder.id)]  # the image from before the first setup
    assert (outside["timestampIssues"], outside["deploymentStart"]) == ("true", "2024-10-01T05:00:00-05:00")
    assert "Inferred" in by_id[str(ridge.id)]["deploymentComments"]
    for row in rows:  # the 1.0.2 table schema's types and enum
        assert row["baitUse"] in ("", "true", "false") and row["timestampIssues"] in ("", "true", "false")
        assert row["featureType"] in FEATURES | {""}
        assert row["deploymentStart"] <= row["deploymentEnd"]


def test_media_and_observations_point_at_their_deployment(alice_client, post_export, run_jobs, swapped):
    archive, _, _ = build(alice_client, post_export, run_jobs, {"start_date": "2024-10-01", "end_date": "2024-10-31"})
    _, deployments = read_csv(archive, "deployments.csv")
    _, media = read_csv(archive, "media.csv")
    _, observations = read_csv(archive, "observations.csv")
    keys = {row["deploymentID"] for row in deployments}
    assert {row["deploymentID"] for row in media} <= keys and {row["deploymentID"] for row in observations} <= keys
    images = swapped["images"]
    by_media = {row["mediaID"]: row["deploymentID"] for row in media}
    assert by_media[str(images["a"].id)] == str(swapped["first"].id)
    assert by_media[str(images["b"].id)] == str(swapped["second"].id)
    assert by_media[str(images["early"].id)] == str(swapped["feeder"].id)
    assert by_media[str(images["ridge"].id)] == str(swapped["ridge"].id)
