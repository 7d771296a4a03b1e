"""manage.py export_zip / export_pdf run inline and print where the file is."""

import zipfile
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from tests import factories

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


def test_export_pdf_with_chosen_overlap_groups(db, tmp_path):
    site = factories.location("Hayfield")
    moment = datetime(2024, 10, 10, 3, tzinfo=UTC)
    for index, name in enumerate(["coyote", "coyote", "doe", "doe", "doe", "buck"]):
        factories.detection(factories.image(site, taken_at=moment + timedelta(hours=index * 7)), name)
    out = StringIO()
    call_command(
        "export_pdf",
        *("--start", "2024-10-01", "--end", "2024-10-31", "--no-charts"),
        *("--overlap-a", "coyote", "--overlap-b", "doe", "--overlap-a-label", "Coyotes"),
        *("--output", str(tmp_path)),
        stdout=out,
        stderr=StringIO(),
    )
    path = Path(out.getvalue().split(" (")[0])
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Activity overlap: Coyotes and doe" in text
    assert "2 / 3" in text  # independent events of each group


def test_invalid_overlap_groups_say_what_is_wrong(db):
    with pytest.raises(CommandError, match="overlap.a"):
        call_command(
            "export_pdf", "--start", "2024-10-01", "--end", "2024-10-31", "--overlap-a", "unicorn", "--overlap-b", "doe"
        )
    with pytest.raises(CommandError, match="overlap"):
        call_command(
            "export_pdf",
            *("--report-type", "census", "--start", "2024-10-01", "--end", "2024-10-12"),
            *("--overlap-a", "buck", "--overlap-b", "doe"),
        )


def test_invalid_arguments_say_what_is_wrong(db):
    with pytest.raises(CommandError, match="start_date must be before end_date"):
        call_command("export_pdf", "--start", "2024-10-31", "--end", "2024-10-01")
    with pytest.raises(CommandError, match="not a valid UUID"):
        call_command("export_zip", "--ids", "abc")


def test_export_pdf_of_a_census(db, tmp_path):
    site = factories.location("Feeder")
    for index, name in enumerate(["buck", "doe", "doe", "fawn"]):
        factories.detection(factories.image(site, taken_at=datetime(2024, 10, 3, 6 + index * 2, tzinfo=UTC)), name)
    out = StringIO()
    call_command(
        "export_pdf",
        *("--report-type", "census", "--start", "2024-10-01", "--end", "2024-10-12", "--output", str(tmp_path)),
        stdout=out,
        stderr=StringIO(),
    )
    text = "\n".join(page.extract_text() for page in PdfReader(Path(out.getvalue().split(" (")[0])).pages)
    assert "Jacobson camera census, 2024-10-01 to 2024-10-12 (12 days)" in text
    assert "Photos (detections) 1 2 1" in text  # bucks, does, fawns
