"""A small ranch for the page-wide browser checks: camera sites, real JPEGs with detections, deer
profiles from the matching engine, a re-ID review item, a finished export; and a Chromium per test
whose pages can be opened at any viewport and colour scheme, logged in as any user."""

from contextlib import contextmanager
from pathlib import Path

from exports.models import ExportJob
from reid.models import Deer, ReviewItem
from reid.services import run_matching
from tests import factories
from tests.reid.conftest import at_cosine
from tests.reid.helpers import hours, latent, sighting

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WIDE, TABLET = {"width": 1366, "height": 900}, {"width": 820, "height": 1180}


def seed_ranch(manager):
    """Returns the ids the page list needs."""
    hayfield, creek = factories.location("Hayfield"), factories.location("Creek bottom")
    a, b = latent(1), latent(4)
    sighting(hayfield, hours(0), a, write_file=True)
    sighting(hayfield, hours(1), at_cosine(a, 0.1, 2), write_file=True)
    sighting(creek, hours(30), b, classification="buck", write_file=True)
    sighting(creek, hours(54), at_cosine(b, 0.05, 5), classification="buck", write_file=True)
    run_matching()
    sighting(creek, hours(80), at_cosine(a, 0.65, 3), write_file=True)  # goes to the review queue
    run_matching()
    for i in range(3):
        factories.detection(factories.image(hayfield, taken_at=hours(100 + i)), classification="coyote")
    job = ExportJob.objects.create(kind="zip", requested_by=manager, total_count=4, params={"detection_ids": ["x"] * 4})
    return {
        "deer": Deer.objects.order_by("-sighting_count", "first_seen").first(),
        "item": ReviewItem.objects.first(),
        "job": job,
    }


def pages(ids):
    """(name, path, roles that see the page as a page): every page of the staff UI."""
    deer = ids["deer"]
    other = Deer.objects.exclude(pk=deer.pk).first()
    first_sighting = deer and next(iter(deer.detections.values_list("id", flat=True)), None)
    return [
        ("login", "/accounts/login/", ["anonymous"]),
        ("dashboard", "/", ["viewer", "reviewer"]),
        ("detections", "/detections/", ["viewer", "reviewer"]),
        ("detections-filtered", "/detections/?classification=doe&start_date=2024-10-01", ["viewer"]),
        ("deer-gallery", "/deer/", ["viewer"]),
        ("deer-detail", f"/deer/{deer.pk}/", ["viewer", "reviewer"]),
        ("deer-merge-confirm", f"/deer/{deer.pk}/merge?source={other.pk}", ["reviewer"]),
        ("deer-split-confirm", f"/deer/{deer.pk}/split?detection_ids={first_sighting}", ["reviewer"]),
        ("reid-review", "/reid/review/", ["reviewer"]),
        ("reid-review-403", "/reid/review/", ["viewer"]),
        ("reid-analysis", "/reid/analysis/", ["viewer"]),
        ("reports", "/reports/", ["viewer"]),
        ("exports", "/exports/", ["manager"]),
        ("export-detail", f"/exports/{ids['job'].pk}/", ["manager"]),
        ("upload", "/upload/", ["reviewer"]),
        ("not-found", "/no/such/page/", ["viewer"]),
    ]


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_as(browser, base_url, user, viewport=WIDE, color_scheme="light"):
    """A new page (own cookies) logged in as `user` (None: anonymous)."""
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
    page = context.new_page()
    if user is not None:
        page.goto(f"{base_url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", f"pw-{user.username}")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base_url}/")
    return page


def run_axe(page):
    """axe-core's violations of impact critical or serious on the open page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [node["target"] for node in v["nodes"][:5]],
        }
        for v in result
        if v["impact"] in ("critical", "serious")
    ]


def sideways_scroll(page):
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
