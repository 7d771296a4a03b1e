"""Every package Herdbook writes conforms to Camtrap DP 1.0.2, checked offline with the official
profile and table schemas (frictionless); a deliberately broken package is caught."""

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from exports.camtrap_dp import write_camtrap_dp
from tests import factories
from tests.exports.camtrap_dp_standard import package_errors
from tests.exports.test_camtrap_dp_package import LINKED, OCTOBER, field_site  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def observations(path):
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.TextIOWrapper(archive.open("observations.csv"), encoding="utf-8")))


@pytest.fixture
def unidentified(field_site):  # noqa: F811
    """An animal nobody identified and a deer of unknown sex, next to the field site's detections."""
    image = factories.image(field_site["creek"], taken_at=datetime(2024, 10, 21, 17, tzinfo=UTC), width=800, height=600)
    return {
        "animal": factories.detection(image, "animal", 0.31, bbox=(10, 10, 50, 50)),
        "unknown": factories.detection(image, "unknown", 0.72, bbox=(100, 100, 200, 200)),
    }


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(LINKED, id="linked"),
        pytest.param({**OCTOBER, "include_images": True}, id="with-images"),
        pytest.param({**LINKED, "classifications": ["doe", "buck"]}, id="filtered-by-class"),
        pytest.param({**LINKED, "classifications": ["animal"]}, id="only-unidentified"),
    ],
)
def test_packages_conform_to_camtrap_dp_1_0_2(unidentified, field_site, params, tmp_path):  # noqa: F811
    path = tmp_path / "package.zip"
    write_camtrap_dp(params, path)
    assert package_errors(path, tmp_path) == []


def test_unidentified_animal_has_no_species_and_unknown_sex_deer_is_white_tailed(unidentified, tmp_path):
    path = tmp_path / "package.zip"
    write_camtrap_dp(LINKED, path)
    rows = {row["observationID"]: row for row in observations(path)}
    animal, deer = rows[str(unidentified["animal"].id)], rows[str(unidentified["unknown"].id)]
    assert (animal["observationType"], animal["scientificName"]) == ("animal", "")
    assert (deer["observationType"], deer["scientificName"], deer["sex"], deer["lifeStage"]) == (
        "animal",
        "Odocoileus virginianus",
        "",
        "",
    )
    assert float(animal["classificationProbability"]) == pytest.approx(0.31)
    with zipfile.ZipFile(path) as archive:
        taxonomic = json.loads(archive.read("datapackage.json"))["taxonomic"]
    assert "" not in [entry["scientificName"] for entry in taxonomic]


def test_media_carry_their_exif_as_json(field_site, tmp_path):  # noqa: F811
    image = field_site["images"][0]
    image.exif = {"Make": "RECONYX", "ISO": 200}
    image.save()
    path = tmp_path / "package.zip"
    write_camtrap_dp(LINKED, path)
    with zipfile.ZipFile(path) as archive:
        media = list(csv.DictReader(io.TextIOWrapper(archive.open("media.csv"), encoding="utf-8")))
    by_id = {row["mediaID"]: row for row in media}
    assert json.loads(by_id[str(image.id)]["exifData"]) == {"Make": "RECONYX", "ISO": 200}
    assert by_id[str(field_site["images"][1].id)]["exifData"] == ""
    assert package_errors(path, tmp_path) == []


def test_without_images_or_base_url_nothing_is_written(field_site, tmp_path):  # noqa: F811
    with pytest.raises(ValueError, match="a base URL is needed"):
        write_camtrap_dp(OCTOBER, tmp_path / "package.zip")


def broken_copy(source, target):
    """The package with three violations: an observationType outside the vocabulary, a bbox above 1,
    an observation pointing at media that do not exist; and the 1.0 profile."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "observations.csv":
                rows = list(csv.reader(io.StringIO(data.decode())))
                header = rows[0]
                rows[1][header.index("observationType")] = "deer"
                rows[2][header.index("bboxX")] = "1.5"
                rows[3][header.index("mediaID")] = "no-such-media"
                out = io.StringIO()
                csv.writer(out).writerows(rows)
                data = out.getvalue().encode()
            if name == "datapackage.json":
                package = json.loads(data)
                package["profile"] = package["profile"].replace("1.0.2", "1.0")
                del package["taxonomic"]
                data = json.dumps(package).encode()
            new.writestr(name, data)


def test_a_broken_package_fails(field_site, tmp_path):  # noqa: F811
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    write_camtrap_dp(LINKED, good)
    broken_copy(good, bad)
    errors = "\n".join(package_errors(bad, tmp_path))
    assert "not the Camtrap DP 1.0.2 profile" in errors
    assert "'taxonomic' is a required property" in errors
    assert "observations row 2 observationType" in errors
    assert "observations row 3 bboxX" in errors
    assert "no-such-media" in errors or "foreign" in errors.lower()
