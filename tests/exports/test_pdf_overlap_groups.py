"""A PDF job queued with chosen overlap groups prints the overlap chapter of those groups."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_queued_pdf_names_the_chosen_overlap_groups(alice_client, post_export, run_jobs, settings):
    site = factories.location("Hayfield")
    moment = datetime(2024, 10, 10, 3, tzinfo=UTC)
    for index, name in enumerate(["coyote", "coyote", "coyote", "doe", "doe", "doe", "buck"]):
        factories.detection(factories.image(site, taken_at=moment + timedelta(hours=index * 7)), name)
    body = {
        "report_type": "seasonal_activity",
        "start_date": "2024-10-01",
        "end_date": "2024-10-31",
        "include_charts": False,
        "overlap": {"a": ["coyote"], "b": ["doe"], "a_label": "Coyotes at night", "time_basis": "clock"},
    }
    response = post_export(alice_client, "pdf", body)
    assert response.status_code == 202, response.content
    run_jobs()
    doc = alice_client.get(f"/api/exports/pdf/{response.json()['job_id']}").json()
    assert doc["status"] == "completed", doc
    data = (settings.EXPORT_ROOT / doc["filename"]).read_bytes()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Activity overlap: Coyotes at night and doe" in text
    assert "3 / 3" in text  # independent events of each group
