"""Every page of the staff UI, as each role that sees it, in headless Chromium: axe-core finds no
critical or serious accessibility violation (light and dark), no page scrolls sideways on a tablet
(820 px), and a screenshot of each at 1366x900 and 820x1180 is left in test-artifacts/screenshots/."""

import json

import pytest

from tests.browser.staff_pages import (
    TABLET,
    WIDE,
    chromium,
    open_as,
    pages,
    run_axe,
    screenshot,
    seed_ranch,
    sideways_scroll,
)
from tests.factories import artifact_path

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_every_page_is_accessible_fits_a_tablet_and_is_photographed(live_server, alice, bob, charlie):
    ids = seed_ranch(charlie)
    users = {"anonymous": None, "viewer": alice, "reviewer": bob, "manager": charlie}
    listed = pages(ids)
    violations, overflow, shots = {}, {}, []
    with chromium() as browser:
        for scheme in ("light", "dark"):
            for size, viewport in (("1366x900", WIDE), ("820x1180", TABLET)):
                for role, user in users.items():
                    mine = [(name, path) for name, path, roles in listed if role in roles]
                    page = open_as(browser, live_server.url, user, viewport, scheme)
                    for name, path in mine:
                        page.goto(live_server.url + path)
                        page.wait_for_load_state("networkidle")
                        shots.append(screenshot(page, f"{name}-{role}-{size}-{scheme}"))
                        if viewport is WIDE:
                            found = run_axe(page)
                            if found:
                                violations[f"{name} as {role} ({scheme})"] = found
                        if sideways_scroll(page) > 0:
                            overflow[f"{name} as {role} at {size} ({scheme})"] = sideways_scroll(page)
                    page.context.close()
    report = artifact_path("axe-violations.json")
    report.write_text(json.dumps({"violations": violations, "sideways_scroll": overflow}, indent=1))
    assert not violations, violations
    assert not overflow, overflow
    assert len(shots) == 4 * sum(len(roles) for _, _, roles in listed)
    assert all(shot.stat().st_size > 5000 for shot in shots)
