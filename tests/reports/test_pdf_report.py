"""The PDF report: its printed numbers equal the API's; options, comparison, empty report, artefact."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.pdf import render_report_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def params(**overrides):
    base = {
        "report_type": "seasonal_activity",
        "start_date": "2024-12-28",
        "end_date": "2025-01-08",
        "group_by": "week",
        "location_ids": [],
        "classifications": [],
        "title": "",
        "comparison_periods": [],
        "include_charts": True,
        "include_tables": True,
        "include_insights": True,
    }
    return {**base, **overrides}


def render(tmp_path, **overrides):
    path = tmp_path / "report.pdf"
    render_report_pdf(params(**overrides), path)
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    return path, reader, text, images


def test_printed_totals_equal_the_api(ranch, alice_client, tmp_path):
    api = alice_client.get(
        "/api/reports/activity", {"start_date": "2024-12-28", "end_date": "2025-01-08", "group_by": "week"}
    ).json()
    path, reader, text, images = render(tmp_path)
    assert path.read_bytes().startswith(b"%PDF")
    summary = api["summary"]
    # Key figures on the summary page.
    assert re.search(rf"\b{summary['total_detections']}\s*\nTotal detections", text)
    assert re.search(rf"\b{summary['independent_events']}\s*\nIndependent events", text)
    assert summary["ratio"]["text"] in text
    # The per-period table: one row per week and the total row, numbers as in the API.
    for period in api["periods"]:
        row = " ".join(
            [
                period["label"],
                f"{period['start_date'][5:]} – {period['end_date'][5:]}",
                *[str(n) for n in period["by_class"].values()],
                str(period["detections"]),
                str(period["events"]),
            ]
        )
        assert row in text
    total_row = " ".join(
        [
            "Total",
            *[str(n) for n in summary["by_class"].values()],
            str(summary["total_detections"]),
            str(summary["independent_events"]),
        ]
    )
    assert total_row == "Total 5 4 3 2 14 10"
    assert total_row in text
    # Per-location rows (coordinates, or a dash for the location without them) and individuals.
    for loc in api["locations"]:
        assert (
            f"{loc['detections']} {loc['events']} {loc['camera_days']} {loc['detections_per_100_camera_days']:.1f}"
            in text
        )
    assert "Creek (no GPS) – 2 2 1.0 200.0 200.0" in text  # effort: the inferred deployment, one day
    assert "Big Ten buck 5 2024-12-28 06:10 2025-01-01 00:10" in text
    for line in api["insights"]:
        assert line in text.replace("\n", " ")
    # Cover, charts, footer with page numbers.
    assert "Seasonal Activity Report" in text and "Herdbook Demo Ranch" in text
    assert "Period 2024-12-28 to 2025-01-08" in text
    assert images >= 2
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text


def test_option_without_charts(ranch, tmp_path):
    _, _, text, images = render(tmp_path, include_charts=False)
    assert images == 0 and "Activity by hour of day" not in text
    assert "Total 5 4 3 2 14 10" in text


def test_option_without_tables(ranch, tmp_path):
    _, _, text, images = render(tmp_path, include_tables=False)
    assert images >= 2
    assert "Total 5 4 3 2 14 10" not in text and "Top individuals" not in text and "Camera-days" not in text


def test_option_without_insights(ranch, tmp_path):
    _, _, text, _ = render(tmp_path, include_insights=False)
    assert "Insights" not in text and "The most frequent class" not in text
    assert "Total 5 4 3 2 14 10" in text


def test_filters_title_and_escaping(ranch, tmp_path):
    _, _, text, _ = render(
        tmp_path, title="<b>Rut & more</b>", location_ids=[str(ranch.hay.pk)], classifications=["buck"]
    )
    assert "<b>Rut & more</b>" in text  # autoescaped: shown as text, not markup
    assert "Locations Hayfield" in text and "Classes buck" in text
    assert "Total 5 5 3" in text  # 5 bucks at Hayfield in 3 events


def test_comparison_layout(ranch, tmp_path):
    periods = [
        {"label": "Christmas", "start_date": "2024-12-24", "end_date": "2024-12-31"},
        {"label": "New Year", "start_date": "2025-01-01", "end_date": "2025-01-08"},
    ]
    _, reader, text, images = render(
        tmp_path, report_type="comparison", comparison_periods=periods, start_date="2024-12-24", end_date="2025-01-08"
    )
    flat = text.replace("\n", " ")
    assert "Period Comparison Report" in text
    assert "Total detections 9 6" in text  # Dec 27 buck + 8 counted by Dec 31; 6 in January
    assert "New Year shows 33% fewer detections than Christmas." in flat
    assert "New Year has 2 coyote detections where Christmas had none." in flat
    assert images >= 1


def test_empty_range_is_a_no_detections_report(db, chicago, tmp_path):
    _, reader, text, images = render(tmp_path, start_date="2023-03-01", end_date="2023-05-31", group_by="month")
    assert "No detections were recorded between 1 Mar 2023 and 31 May 2023" in text.replace("\n", " ")
    assert images == 0


def test_progress_stages(ranch, tmp_path):
    seen = []
    render_report_pdf(params(), tmp_path / "p.pdf", progress=lambda stage, pct: seen.append((stage, pct)))
    assert [stage for stage, _ in seen] == ["collecting", "rendering", "writing", "writing"]
    assert [pct for _, pct in seen] == sorted(pct for _, pct in seen) and seen[-1][1] == 100
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
def test_render_pages_to_png_artifacts(ranch, tmp_path):
    """Writes test-artifacts/reports/activity-page-N.png so that a person can look at the report."""
    path, reader, _, _ = render(tmp_path, title="Rut around New Year")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("activity-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), str(ARTIFACTS / "activity-page")], check=True)
    pages = sorted(ARTIFACTS.glob("activity-page-*.png"))
    assert len(pages) == len(reader.pages)
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 5000 for p in pages)
    shutil.copy(path, ARTIFACTS / "activity.pdf")


@pytest.mark.parametrize(
    ("paper", "points"),
    [("Letter", (612, 792)), ("A4", (595, 842))],
)
def test_pdf_prints_on_the_report_paper_setting(ranch, tmp_path, settings, paper, points):
    settings.REPORT_PAPER = paper
    _, reader, _, _ = render(tmp_path)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points


def test_report_paper_defaults_by_time_zone():
    from core.paper import report_paper

    assert report_paper("", "America/Chicago") == "Letter"
    assert report_paper("", "America/Indiana/Indianapolis") == "Letter"
    assert report_paper("", "Europe/Berlin") == "A4"
    assert report_paper("a4", "America/Chicago") == "A4"
    with pytest.raises(ValueError, match="REPORT_PAPER must be one of"):
        report_paper("tabloid", "UTC")
