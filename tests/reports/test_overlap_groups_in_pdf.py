"""The overlap groups chosen on the report page travel with the PDF request: the form's fields are
checked (errors as 400 text, never a 500), the page's PDF request carries them, the PDF API checks
its "overlap" object the same way, and the PDF names the chosen groups."""

import json

import pytest
from django.test import Client
from pypdf import PdfReader

from reports.pdf import render_report_pdf

REPORT = {"submitted": "1", "start_date": "2024-12-28", "end_date": "2025-01-08", "group_by": "week"}
FORM = {**REPORT, "overlap_a": ["coyote"], "overlap_b": ["doe", "fawn"], "overlap_time_basis": "clock"}


@pytest.fixture
def browser(alice):
    client = Client()
    client.force_login(alice)
    return client


def pdf_request(**overrides):
    return {
        "report_type": "seasonal_activity",
        "start_date": "2024-12-28",
        "end_date": "2025-01-08",
        "group_by": "week",
        "include_charts": False,
        **overrides,
    }


def pdf_text(path):
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"overlap_a": []}, "overlap_a", "choose at least one class for group a"),
        ({"overlap_b": []}, "overlap_b", "choose at least one class for group b"),
        ({"overlap_a": ["moose"]}, "a", "moose"),
        ({"overlap_time_basis": "moon"}, "time_basis", "time_basis must be clock or sun"),
        ({"overlap_b_start_date": "2024-01-01"}, "b_start_date", "Give both b_start_date and b_end_date"),
        (
            {"overlap_b_start_date": "2024-02-01", "overlap_b_end_date": "2024-01-01"},
            "b_start_date",
            "start_date must be before end_date",
        ),
        ({"overlap_b_start_date": "2024-13-01", "overlap_b_end_date": "2024-12-31"}, "b_start_date", "YYYY-MM-DD"),
        ({"overlap_a_label": "x" * 61}, "a_label", "60"),
    ],
)
def test_bad_overlap_fields_on_the_form_are_a_400_with_the_reason(ranch, browser, fields, field, message):
    response = browser.get("/reports/", {**FORM, **fields})
    assert response.status_code == 400
    error = response.context["error"]
    assert error["detail"].startswith("Activity overlap:")
    assert message in error["detail"], error
    assert field in error["errors"], error
    assert message in response.content.decode().replace("&#x27;", "'")
    assert "report" not in response.context and "pdf_params" not in response.context


def test_the_page_pdf_request_carries_the_chosen_groups(ranch, browser):
    response = browser.get(
        "/reports/",
        {
            **FORM,
            "overlap_a_label": "Coyotes",
            "overlap_b_label": "Does and fawns",
            "overlap_b_start_date": "2024-12-01",
            "overlap_b_end_date": "2025-01-08",
        },
    )
    assert response.status_code == 200
    assert response.context["pdf_params"]["overlap"] == {
        "a": ["coyote"],
        "b": ["doe", "fawn"],
        "a_label": "Coyotes",
        "b_label": "Does and fawns",
        "b_start_date": "2024-12-01",
        "b_end_date": "2025-01-08",
        "time_basis": "clock",
    }
    html = response.content.decode()
    posted = json.loads(html.split('<script id="pdf-params" type="application/json">')[1].split("</script>")[0])
    assert posted["overlap"] == response.context["pdf_params"]["overlap"]  # the JSON the Export button posts
    assert "Activity overlap: Coyotes and Does and fawns" in html


def test_a_pdf_with_chosen_groups_names_them(ranch, tmp_path):
    path = tmp_path / "report.pdf"
    chosen = {"a": ["coyote"], "b": ["doe"], "a_label": "Night coyotes", "b_label": "Winter does"}
    report = render_report_pdf(pdf_request(overlap=chosen), path)
    text = pdf_text(path)
    assert "Activity overlap: Night coyotes and Winter does" in text
    assert "buck and doe" not in text
    groups = report["overlap"]["groups"]
    assert [(g["label"], g["classifications"], g["events"]) for g in groups] == [
        ("Night coyotes", ["coyote"], 2),
        ("Winter does", ["doe"], len([s for s in ranch.events(ranch.start, ranch.end) if s.effective == "doe"])),
    ]


def test_a_pdf_without_groups_keeps_buck_against_doe(ranch, tmp_path):
    path = tmp_path / "report.pdf"
    render_report_pdf(pdf_request(), path)
    assert "Activity overlap: buck and doe" in pdf_text(path)


@pytest.mark.parametrize(
    "overlap, field, message",
    [
        ({"a": ["coyote"]}, "overlap.b", "required"),
        ({"a": ["moose"], "b": ["doe"]}, "overlap.a", "moose"),
        ({"a": [], "b": ["doe"]}, "overlap.a", "at least 1"),
        ({"a": ["coyote"], "b": ["doe"], "time_basis": "moon"}, "overlap.time_basis", "clock or sun"),
        ({"a": ["coyote"], "b": ["doe"], "b_end_date": "2024-12-31"}, "overlap.b_start_date", "Give both"),
        ({"a": ["coyote"], "b": ["doe"], "resamples": 5}, "overlap.resamples", ""),
        ("buck against doe", "overlap.non_field_errors", "Expected a JSON object"),
    ],
)
def test_the_pdf_api_checks_the_overlap_groups(ranch, alice_client, overlap, field, message):
    response = alice_client.post("/api/exports/pdf", pdf_request(overlap=overlap), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert message in " ".join(body["errors"][field])


def test_the_pdf_api_takes_overlap_only_for_an_activity_report(ranch, alice_client):
    body = pdf_request(
        report_type="census", start_date="2024-12-28", end_date="2025-01-08", overlap={"a": ["buck"], "b": ["doe"]}
    )
    response = alice_client.post("/api/exports/pdf", body, format="json")
    assert response.status_code == 400
    assert "only used with report_type seasonal_activity" in " ".join(response.json()["errors"]["overlap"])
