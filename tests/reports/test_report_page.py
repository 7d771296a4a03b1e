"""Staff page /reports/: the form, an HTML preview with the same numbers as the API, errors."""

import pytest
from django.test import Client

from reports.activity import build_activity_report


@pytest.fixture
def browser(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_login_required(db):
    response = Client().get("/reports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_form_lists_locations_classes_and_seasons(ranch, browser):
    html = browser.get("/reports/").content.decode()
    for text in ("Hayfield", "Creek (no GPS)", 'value="coyote"', 'value="rut"', 'name="p5_label"', "Preview"):
        assert text in html
    assert "Export PDF" not in html  # nothing to export before a preview


def test_preview_shows_the_same_numbers_as_the_api(ranch, browser):
    response = browser.get(
        "/reports/",
        {
            "submitted": "1",
            "report_type": "seasonal_activity",
            "start_date": "2024-12-28",
            "end_date": "2025-01-08",
            "group_by": "week",
            "include_charts": "on",
            "include_tables": "on",
            "include_insights": "on",
        },
    )
    assert response.status_code == 200
    report = response.context["report"]
    expected = build_activity_report(ranch.start, ranch.end, "week")
    assert report["summary"] == expected["summary"] and report["periods"] == expected["periods"]
    html = response.content.decode()
    assert '<span class="value" data-figure="total_detections">14</span>' in html
    assert '<span class="value" data-figure="independent_events">10</span>' in html
    assert html.count('src="data:image/png;base64,') == 3  # the same charts as the PDF (issue 12: + overlap)
    assert "2025-W01" in html and "Big Ten" in html
    # The Export PDF button posts exactly the validated PDF request.
    params = response.context["pdf_params"]
    assert params == {
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
    assert 'id="pdf-params"' in html and "/api/exports/pdf" in html


def test_preview_by_season_with_filters_and_unticked_options(ranch, browser):
    response = browser.get(
        f"/reports/?submitted=1&season=winter&year=2024&group_by=month"
        f"&location_ids={ranch.hay.pk}&classifications=buck&include_tables=on"
    )
    assert response.status_code == 200
    params = response.context["pdf_params"]
    assert (params["start_date"], params["end_date"]) == ("2024-12-01", "2025-02-28")
    assert params["location_ids"] == [str(ranch.hay.pk)] and params["classifications"] == ["buck"]
    assert (params["include_charts"], params["include_tables"], params["include_insights"]) == (False, True, False)
    html = response.content.decode()
    assert "data:image/png" not in html and "Insights" not in html
    assert response.context["report"]["summary"]["by_class"] == {"buck": 6}  # with the buck of Dec 27


def test_comparison_preview(ranch, browser):
    response = browser.get(
        "/reports/",
        {
            "submitted": "1",
            "report_type": "comparison",
            "include_insights": "on",
            "include_tables": "on",
            "p1_label": "Christmas",
            "p1_start_date": "2024-12-24",
            "p1_end_date": "2024-12-31",
            "p2_label": "New Year",
            "p2_start_date": "2025-01-01",
            "p2_end_date": "2025-01-08",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "New Year shows 33% fewer detections than Christmas." in html
    params = response.context["pdf_params"]
    assert params["report_type"] == "comparison"
    assert (params["start_date"], params["end_date"]) == ("2024-12-24", "2025-01-08")
    assert [p["label"] for p in params["comparison_periods"]] == ["Christmas", "New Year"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("start_date=2024-12-28&end_date=2024-12-01", "start_date must be before end_date"),
        ("start_date=2024-12-28", "end_date is required"),
        ("start_date=2023-01-01&end_date=2024-06-01", "Date range cannot exceed 1 year"),
        (
            "report_type=comparison&p1_label=A&p1_start_date=2024-01-01&p1_end_date=2024-02-01",
            "Give between 2 and 5 periods",
        ),
    ],
)
def test_errors_are_shown_not_raised(ranch, browser, query, message):
    response = browser.get(f"/reports/?submitted=1&{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "report" not in response.context
