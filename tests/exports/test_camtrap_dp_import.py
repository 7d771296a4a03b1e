"""Camtrap DP import: a package becomes locations, images, detections and individuals; a package that
breaks the standard changes nothing; Herdbook -> Camtrap DP -> an empty Herdbook keeps everything."""

import csv
import hashlib
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from detections.models import Detection, Image, Location
from exports.camtrap_dp import write_camtrap_dp
from exports.camtrap_dp_import import PackageRefused, import_camtrap_dp
from reid.models import Deer
from tests import factories
from tests.exports.test_camtrap_dp_package import OCTOBER, field_site  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def snapshot():
    """What must survive the round trip, independent of ids: by file content."""
    content = {
        image.id: hashlib.sha256((settings.IMAGE_ROOT / image.file).read_bytes()).hexdigest()
        for image in Image.objects.all()
    }
    images = sorted(
        (content[i.id], i.location.name, i.taken_at.isoformat(), i.width, i.height) for i in Image.objects.all()
    )
    counted = Detection.objects.filter(is_valid=True, is_duplicate=False).select_related("deer")
    names = {deer.id: index for index, deer in enumerate(Deer.objects.order_by("created_at"))}
    detections = sorted(
        (
            content[d.image_id],
            d.effective_classification,
            d.bbox,
            d.is_reviewed,
            d.deer_id is not None,
        )
        for d in counted
    )
    individuals = sorted(sorted(content[d.image_id] for d in counted if d.deer_id == deer_id) for deer_id in names)
    locations = sorted(
        (loc.name, loc.latitude, loc.longitude) for loc in Location.objects.filter(images__isnull=False).distinct()
    )
    return {"locations": locations, "images": images, "detections": detections, "individuals": individuals}


def empty_herdbook():
    Detection.objects.all().delete()
    Deer.objects.all().delete()
    Image.objects.all().delete()
    Location.objects.all().delete()


def test_round_trip_into_an_empty_herdbook(field_site, tmp_path):  # noqa: F811
    factories.detection(field_site["images"][2], "animal", 0.35, bbox=(5, 5, 40, 40))  # nobody identified it
    # without a class filter the package also holds the blank and invalid-only images: keep them out
    Image.objects.filter(id__in=[field_site["blank"].id, field_site["only_invalid"].id]).delete()
    Image.objects.filter(id__in=[field_site["pending"].id, field_site["outside"].id]).delete()
    Detection.objects.filter(id=field_site["duplicate"].id).delete()
    before = snapshot()
    path = tmp_path / "herdbook.zip"
    write_camtrap_dp({**OCTOBER, "include_images": True}, path)
    empty_herdbook()
    summary = import_camtrap_dp(path)
    assert snapshot() == before
    assert (summary.images_created, summary.detections, summary.individuals) == (3, 7, 1)
    assert Deer.objects.get().sighting_count == 1
    machine = Detection.objects.get(classification="coyote")
    assert machine.confidence == pytest.approx(0.88) and not machine.is_reviewed
    # again: the same files are recognised, nothing is doubled
    again = import_camtrap_dp(path)
    assert again.images_existing == 3 and Image.objects.count() == 3


def package(
    tmp_path,
    deployments,
    media,
    observations,
    profile="https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0.2/camtrap-dp-profile.json",
):
    """A package folder as another tool writes it (only some of the optional columns)."""
    folder = tmp_path / "other"
    folder.mkdir(exist_ok=True)
    descriptor = {
        "profile": profile,
        "name": "agouti-export",
        "resources": [
            {"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "schema": "x"}
            for name in ("deployments", "media", "observations")
        ],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    for name, rows in (("deployments", deployments), ("media", media), ("observations", observations)):
        out = StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        (folder / f"{name}.csv").write_text(out.getvalue())
    return folder


def other_tool(tmp_path):
    """An Agouti-like package: images linked by URL, found by fileName in a folder under the image root."""
    folder = settings.IMAGE_ROOT / "agouti"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "IMG_0001.JPG").write_bytes(factories.jpeg_bytes(1000, 500))
    deployments = [
        {
            "deploymentID": "dep1",
            "locationID": "loc-a",
            "locationName": "North Gate",
            "latitude": "51.2",
            "longitude": "4.4",
            "deploymentStart": "2024-10-01T00:00:00Z",
            "deploymentEnd": "2024-10-30T00:00:00Z",
            "cameraModel": "Reconyx",
        }
    ]
    media = [
        {
            "mediaID": "m1",
            "deploymentID": "dep1",
            "captureMethod": "activityDetection",
            "timestamp": "2024-10-12T06:30:00+02:00",
            "filePath": "https://multimedia.agouti.eu/assets/m1/file",
            "filePublic": "false",
            "fileName": "IMG_0001.JPG",
            "fileMediatype": "image/jpeg",
        }
    ]
    base = {
        "deploymentID": "dep1",
        "mediaID": "m1",
        "eventID": "ev1",
        "eventStart": "2024-10-12T06:30:00+02:00",
        "eventEnd": "2024-10-12T06:30:00+02:00",
        "observationLevel": "media",
        "lifeStage": "",
        "sex": "",
        "individualID": "",
        "classificationMethod": "machine",
        "classificationProbability": "0.8",
        "bboxX": "0.1",
        "bboxY": "0.2",
        "bboxWidth": "0.3",
        "bboxHeight": "0.4",
    }
    observations = [
        {
            **base,
            "observationID": "o1",
            "observationType": "animal",
            "scientificName": "Odocoileus virginianus",
            "lifeStage": "adult",
            "sex": "male",
            "individualID": "Big Ten",
        },
        {**base, "observationID": "o2", "observationType": "animal", "scientificName": "Vulpes vulpes"},
        {
            **base,
            "observationID": "o3",
            "observationType": "animal",
            "scientificName": "Procyon lotor",
            "classificationMethod": "human",
            "classificationProbability": "",
        },
        {
            **base,
            "observationID": "o4",
            "observationType": "blank",
            "scientificName": "",
            "bboxX": "",
            "bboxY": "",
            "bboxWidth": "",
            "bboxHeight": "",
        },
    ]
    return deployments, media, observations


def test_a_package_from_another_tool(tmp_path):
    folder = package(tmp_path, *other_tool(tmp_path))
    summary = import_camtrap_dp(folder, media_folder="agouti")
    image = Image.objects.get()
    assert (image.location.name, image.file, image.width) == ("North Gate", "agouti/IMG_0001.JPG", 1000)
    assert image.taken_at.isoformat() == "2024-10-12T04:30:00+00:00"
    by_class = {d.classification: d for d in Detection.objects.all()}
    assert set(by_class) == {"buck", "animal", "raccoon"}
    assert by_class["buck"].bbox == (100, 100, 300, 200) and by_class["buck"].deer.name == "Big Ten"
    assert by_class["raccoon"].is_reviewed and not by_class["buck"].is_reviewed
    assert summary.unmapped == {"Vulpes vulpes": 1} and summary.skipped == {"observationType blank": 1}
    assert summary.deployments[0]["cameraModel"] == "Reconyx"


@pytest.mark.parametrize(
    "breakage, reason",
    [
        (lambda d, m, o: o[0].update(observationType="deer"), "observationType 'deer' is not one of"),
        (lambda d, m, o: o[1].update(bboxX="1.4"), "bboxX 1.4 is above 1"),
        (lambda d, m, o: o[2].update(mediaID="m9"), "mediaID m9 is not in media.csv"),
        (lambda d, m, o: m[0].update(timestamp="2024-10-12 06:30"), "timestamp '2024-10-12 06:30' is not a datetime"),
        (lambda d, m, o: m[0].update(fileName="IMG_0002.JPG"), r"is a link \(never fetched\)"),
        (lambda d, m, o: d[0].update(latitude="95"), "latitude 95 is above 90"),
    ],
)
def test_a_refused_package_changes_nothing(tmp_path, breakage, reason):
    deployments, media, observations = other_tool(tmp_path)
    breakage(deployments, media, observations)
    folder = package(tmp_path, deployments, media, observations)
    with pytest.raises(PackageRefused, match=reason):
        import_camtrap_dp(folder, media_folder="agouti")
    assert not Location.objects.exists() and not Image.objects.exists() and not Deer.objects.exists()


def test_the_command_reports_a_refusal(tmp_path):
    folder = package(tmp_path, *other_tool(tmp_path), profile="https://example.org/my-profile.json")
    with pytest.raises(CommandError, match="not a Camtrap DP 1.0.x profile"):
        call_command("import_camtrap_dp", str(folder), stdout=StringIO())
    out = StringIO()
    folder = package(tmp_path, *other_tool(tmp_path))
    call_command("import_camtrap_dp", str(folder), "--media-folder", "agouti", stdout=out)
    assert "imported 1 images (0 already stored), 3 detections, 1 individuals" in out.getvalue()
    assert "Vulpes vulpes x 1" in out.getvalue()
