"""manage.py export_zip / export_pdf run inline and print where the file is."""

import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_export_zip_inline(ranch, tmp_path):
    out = StringIO()
    ids = ",".join(str(d.id) for d in ranch["detections"][:2])
    call_command("export_zip", "--ids", ids, "--output", str(tmp_path), stdout=out, stderr=StringIO())
    path = Path(out.getvalue().split(" (")[0])
    assert path.parent == tmp_path and path.name.startswith("detections_")
    names = zipfile.ZipFile(path).namelist()
    assert "metadata.csv" in names and len([n for n in names if n.startswith("crops/")]) == 2
    assert "2 detections, 2 crops" in out.getvalue()


def test_export_zip_by_dates(ranch, tmp_path):
    out = StringIO()
    call_command(
        "export_zip",
        "--start",
        "2024-10-01",
        "--end",
        "2024-10-31",
        "--no-crops",
        "--output",
        str(tmp_path / "oct.zip"),
        stdout=out,
        stderr=StringIO(),
    )
    assert zipfile.ZipFile(tmp_path / "oct.zip").namelist() == ["metadata.csv"]
    assert "4 detections" in out.getvalue()


def test_export_pdf_inline(ranch, tmp_path):
    out = StringIO()
    call_command(
        "export_pdf",
        "--start",
        "2024-10-01",
        "--end",
        "2024-10-31",
        "--no-charts",
        "--output",
        str(tmp_path),
        stdout=out,
        stderr=StringIO(),
    )
    path = Path(out.getvalue().split(" (")[0])
    assert path.read_bytes().startswith(b"%PDF")


def test_invalid_arguments_say_what_is_wrong(db):
    with pytest.raises(CommandError, match="start_date must be before end_date"):
        call_command("export_pdf", "--start", "2024-10-31", "--end", "2024-10-01")
    with pytest.raises(CommandError, match="not a valid UUID"):
        call_command("export_zip", "--ids", "abc")
