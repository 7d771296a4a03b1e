"""The /reports/ page in headless Chromium: form -> preview -> Export PDF (POST /api/exports/pdf)."""

import shutil

import pytest
from django.db import connections
from django.test import Client

from exports.models import ExportJob

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed"),
]


@pytest.fixture
def page(live_server, alice, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still
    # plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(alice)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.base_url = live_server.url
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection; close it so the
        # test database is not held open at teardown.
        connections.close_all()


def test_preview_then_export_pdf(ranch, page, alice):
    page.goto(page.base_url + "/reports/")
    assert page.locator(".comparison-fields").is_hidden()
    page.select_option("#report_type", "comparison")
    assert page.locator(".activity-fields").is_hidden() and page.locator(".comparison-fields").is_visible()
    page.select_option("#report_type", "seasonal_activity")

    page.fill("input[name=start_date]", "2024-12-28")
    page.fill("input[name=end_date]", "2025-01-08")
    page.select_option("select[name=group_by]", "week")
    page.click("text=Preview")
    page.wait_for_selector("[data-figure=total_detections]")
    assert page.inner_text("[data-figure=total_detections]") == "14"
    assert page.inner_text("[data-figure=independent_events]") == "10"
    assert page.locator("img[src^='data:image/png']").count() == 3  # periods, hours and (issue 12) the overlap chart
    assert page.locator("table.periods tbody tr").count() == 3

    page.click("#export-pdf")
    page.wait_for_selector("#export-status a")
    assert "PDF queued" in page.inner_text("#export-status")
    job = ExportJob.objects.get(requested_by=alice)
    assert job.kind == "pdf"
    assert (job.params["start_date"], job.params["end_date"], job.params["group_by"]) == (
        "2024-12-28",
        "2025-01-08",
        "week",
    )


def test_invalid_range_shows_the_rule(ranch, page):
    page.goto(page.base_url + "/reports/")
    page.fill("input[name=start_date]", "2025-01-08")
    page.fill("input[name=end_date]", "2024-12-28")
    page.click("text=Preview")
    page.wait_for_selector("#report-error")
    assert page.inner_text("#report-error") == "start_date must be before end_date"
    assert page.locator("#export-pdf").count() == 0
