"""manage.py export_camtrap_dp: the same validation as the API, the package written inline."""

import csv
import io
import json
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_export_camtrap_dp_inline(ranch, tmp_path):
    out = StringIO()
    call_command(
        "export_camtrap_dp",
        "--start",
        "2024-10-01",
        "--end",
        "2024-10-31",
        "--images",
        "--base-url",
        "https://ranch.example.org/",
        "--output",
        str(tmp_path),
        stdout=out,
        stderr=StringIO(),
    )
    path = Path(out.getvalue().split(" (")[0])
    assert path.parent == tmp_path and path.name.startswith("camtrap_dp_") and path.suffix == ".zip"
    assert "2 deployments, 2 media, 4 observations + 0 blank, 2 image files" in out.getvalue()
    archive = zipfile.ZipFile(path)
    package = json.loads(archive.read("datapackage.json"))
    assert package["id"] in path.name and package["contributors"][-1]["role"] == "rightsHolder"
    media = list(csv.DictReader(io.TextIOWrapper(archive.open("media.csv"), encoding="utf-8")))
    assert all(row["filePath"].startswith("media/") and row["filePath"] in archive.namelist() for row in media)


def test_links_use_the_base_url_without_images(ranch, tmp_path):
    call_command(
        "export_camtrap_dp",
        "--start",
        "2024-10-01",
        "--end",
        "2024-10-31",
        "--classification",
        "fawn",
        "--base-url",
        "https://ranch.example.org/",
        "--output",
        str(tmp_path / "fawns.zip"),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    archive = zipfile.ZipFile(tmp_path / "fawns.zip")
    media = list(csv.DictReader(io.TextIOWrapper(archive.open("media.csv"), encoding="utf-8")))
    image_id = ranch["detections"][2].image_id
    assert [row["filePath"] for row in media] == [f"https://ranch.example.org/api/images/{image_id}/file"]
    assert not [name for name in archive.namelist() if name.startswith("media/")]


def test_invalid_arguments_say_what_is_wrong(db):
    with pytest.raises(CommandError, match="start_date must be before end_date"):
        call_command("export_camtrap_dp", "--start", "2024-10-31", "--end", "2024-10-01")
    with pytest.raises(CommandError, match="not a valid UUID"):
        call_command("export_camtrap_dp", "--start", "2024-10-01", "--end", "2024-10-31", "--location", "abc")
