"""The PDF's report data goes through the report cache: the same request of unchanged data is
read back (the same PDF text), a write to the data makes the next PDF recompute."""

import pytest
from pypdf import PdfReader

from reports import documents
from reports.pdf import render_report_pdf
from tests import factories
from tests.reports.conftest import local

pytestmark = pytest.mark.usefixtures("redis_answers")

PARAMS = {
    "report_type": "seasonal_activity",
    "start_date": "2024-12-28",
    "end_date": "2025-01-08",
    "group_by": "week",
    "include_charts": True,
}


@pytest.fixture
def builds(monkeypatch):
    calls = []
    original = documents.report_with_status

    def build(params, overlap=None):
        calls.append(params)
        return original(params, overlap)

    monkeypatch.setattr(documents, "report_with_status", build)
    return calls


def text(path):
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_repeated_pdf_reads_its_report_from_the_cache(ranch, builds, tmp_path):
    first = render_report_pdf(PARAMS, tmp_path / "first.pdf")
    second = render_report_pdf(PARAMS, tmp_path / "second.pdf")
    assert len(builds) == 1
    assert second == first and second["summary"]["total_detections"] == 14
    assert text(tmp_path / "second.pdf") == text(tmp_path / "first.pdf")
    for chapter in ("Detections per week", "Camera stations", "Activity overlap: buck and doe", "Data status"):
        assert chapter in text(tmp_path / "second.pdf")
    render_report_pdf({**PARAMS, "group_by": "day"}, tmp_path / "third.pdf")
    assert len(builds) == 2  # other parameters, another entry


def test_a_write_makes_the_next_pdf_recompute(ranch, builds, tmp_path):
    render_report_pdf(PARAMS, tmp_path / "first.pdf")
    image = factories.image(ranch.hay, taken_at=local(2025, 1, 7, 9, 0), write_file=False)
    factories.detection(image, "buck")
    report = render_report_pdf(PARAMS, tmp_path / "second.pdf")
    assert len(builds) == 2
    assert report["summary"]["total_detections"] == 15
