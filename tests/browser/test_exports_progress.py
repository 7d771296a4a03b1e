"""Headless Chromium watches an export's progress page reach "completed" (htmx polling, real worker),
then the polling stops by itself and the download link works."""

import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import sync_playwright

from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def test_progress_page_reaches_completed_and_stops_polling(live_server, alice, alice_client, start_worker):
    img = factories.image(factories.location("North Field"), taken_at=datetime(2024, 10, 2, 12, tzinfo=UTC))
    ids = [str(factories.detection(img, "doe", bbox=(10 * i, 10 * i, 200, 150)).id) for i in range(5)]
    body = alice_client.post("/api/exports/zip", {"detection_ids": ids}, format="json").json()
    job_id = body["job_id"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", "pw-alice")
            page.click("button[type=submit], input[type=submit]")
            page.wait_for_url(f"{live_server.url}/")

            page.goto(f"{live_server.url}/exports/{job_id}/")
            assert page.inner_text("[data-testid=job-state]") == "processing"
            polls = []
            page.on("request", lambda request: polls.append(request.url) if "/status/" in request.url else None)
            start_worker("exports")  # the job runs while the page is open
            page.wait_for_selector(".job-status[data-state=completed]", timeout=120_000)
            assert page.inner_text("[data-testid=job-stage]") == "done"
            assert "5 / 5 detections" in page.inner_text(".job-status")
            assert polls, "the page never polled"
            assert page.get_attribute(".job-status", "hx-trigger") is None

            settled = len(polls)
            time.sleep(5)  # two polling periods: no further requests once the job has ended
            assert len(polls) == settled

            with page.expect_download() as download_info:
                page.click("[data-testid=download]")
            assert download_info.value.suggested_filename.startswith(f"detections_{job_id}_")

            page.goto(f"{live_server.url}/exports/")
            assert "completed" in page.inner_text("#export-list")
        finally:
            browser.close()
