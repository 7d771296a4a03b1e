"""Headless Chromium: the Camtrap DP form on /exports/ queues a package that a real worker builds;
the job page follows it to "completed" and the package downloads."""

import json
import zipfile
from datetime import UTC, datetime

import pytest

from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_form_to_downloaded_package(browser_page, alice, start_worker, tmp_path):
    site = factories.location("North Field", latitude=30.0, longitude=-97.5)
    img = factories.image(site, taken_at=datetime(2024, 10, 2, 17, tzinfo=UTC))
    for index in range(3):
        factories.detection(img, ["buck", "doe", "fawn"][index], bbox=(10 * index, 10, 200, 150))
    start_worker("exports")
    page = browser_page(alice)
    page.goto(page.url.rstrip("/") + "/exports/")
    page.click("#camtrap-dp-form summary")
    page.fill("input[name=start_date]", "2024-10-01")
    page.fill("input[name=end_date]", "2024-10-31")
    page.select_option("select[name=classifications]", ["buck", "doe"])
    page.check("input[name=include_images]")
    page.click("[data-testid=camtrap-dp-submit]")
    page.wait_for_selector(".job-status[data-state=completed]", timeout=120_000)
    page.screenshot(path=str(factories.artifact_path("camtrap_dp_job.png")), full_page=True)
    assert "2 / 2 detections" in page.inner_text(".job-status")
    with page.expect_download() as download_info:
        page.click("[data-testid=download]")
    download = download_info.value
    assert download.suggested_filename.startswith("camtrap_dp_")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    archive = zipfile.ZipFile(target)
    package = json.loads(archive.read("datapackage.json"))
    assert [t["scientificName"] for t in package["taxonomic"]] == ["Odocoileus virginianus"]
    assert len([name for name in archive.namelist() if name.startswith("media/North_Field/")]) == 1

    page.goto(page.url.split("/exports/")[0] + "/exports/")
    page.click("#camtrap-dp-form summary")
    page.fill("input[name=start_date]", "2024-10-31")
    page.fill("input[name=end_date]", "2024-10-01")
    page.click("[data-testid=camtrap-dp-submit]")
    assert page.inner_text("[data-testid=camtrap-dp-error]") == "start_date must be before end_date"
    page.screenshot(path=str(factories.artifact_path("camtrap_dp_form_error.png")), full_page=True)
