"""Headless Chromium opens every main page under the Content-Security-Policy: no violation is reported,
and what used to be inline (the reports page's script, bar sizes) still works."""

import pytest

from exports.models import ExportJob
from reid.models import Deer
from reid.services import run_matching
from tests import factories
from tests.reid.conftest import at_cosine
from tests.reid.helpers import hours, latent, sighting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every securitypolicyviolation event of the page, kept for the test to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " +
                              (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


def herd(bob):
    loc = factories.location("Hayfield")
    a = latent(1)
    sighting(loc, hours(0), a, write_file=True)
    sighting(loc, hours(1), at_cosine(a, 0.1, 2), write_file=True)
    run_matching()
    sighting(loc, hours(5), at_cosine(a, 0.65, 3), write_file=True)  # goes to the review queue
    run_matching()
    running = ExportJob.objects.create(
        kind="zip", requested_by=bob, status="running", stage="cropping", progress_percent=40, total_count=10
    )
    return Deer.objects.get(first_seen=hours(0)), running


def test_main_pages_report_no_csp_violation(live_server, page_as_bob, bob):
    deer, running = herd(bob)
    page = page_as_bob
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)

    pages = [
        "/",
        "/detections/",
        "/deer/",
        f"/deer/{deer.pk}/",
        "/reports/?submitted=1&report_type=activity&start_date=2024-09-25&end_date=2024-10-10&group_by=day"
        "&include_charts=on&include_tables=on",
        "/exports/",
        f"/exports/{running.pk}/",
        "/reid/analysis/",
        "/reid/review/",
        "/api/docs/",
    ]
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        if path.startswith("/exports/"):
            # bars sized by static/js/sizes.js (no style attribute); on the detail page also after an htmx swap
            bar = page.locator(".progress > span[data-width='40']").first
            assert bar.evaluate("e => e.style.width") == "40%", path
        if path.startswith("/reports/"):
            assert page.locator("img[src^='data:image/png']").count() >= 1  # the charts
            page.select_option("#report_type", "comparison")  # static/js/report.js toggles the fields
            assert page.locator(".activity-fields").is_hidden()
        if path == "/api/docs/":
            page.wait_for_selector(".swagger-ui .info")
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)
    assert not [m for m in console_errors if "Content Security Policy" in m], console_errors


def test_the_deer_timeline_bars_have_their_heights(live_server, page_as_bob, bob):
    deer, _ = herd(bob)
    page = page_as_bob
    page.goto(f"{live_server.url}/deer/{deer.pk}/")
    heights = page.locator(".timeline .bar").evaluate_all("bars => bars.map(b => b.style.height)")
    assert heights and all(h.endswith("%") for h in heights), heights


def test_admin_pages_report_no_csp_violation(live_server, browser_page, root):
    page = browser_page(root)
    page.add_init_script(RECORD_VIOLATIONS)
    for path in ["/admin/", "/admin/exports/exportjob/", "/admin/auth/user/", f"/admin/auth/user/{root.pk}/change/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)
