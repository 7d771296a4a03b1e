"""Headless Chromium opens a detection in the image viewer from the detections page and works it
with the keyboard and the mouse: zoom, pan, review, undo, previous/next, drawing a missed animal."""

import pytest

from detections.models import Detection, DetectionCorrection, Image
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene():
    loc = factories.location("North Feeder")
    doe = factories.deer("doe", name="Freckles")
    first = factories.image(loc, taken_at=factories.datetime(2026, 10, 3, 6, 12, tzinfo=factories.UTC))
    second = factories.image(loc, taken_at=factories.datetime(2026, 10, 4, 6, 12, tzinfo=factories.UTC))
    return {
        "linked": factories.detection(first, "doe", 0.93, bbox=(40, 60, 200, 150), deer=doe),
        "neighbour": factories.detection(first, "buck", 0.71, bbox=(300, 100, 120, 90)),
        "newest": factories.detection(second, "fawn", 0.66),
        "deer": doe,
    }


def _open_viewer(page, live_server, detection):
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Detections")
    page.click(f"#det-{detection.pk} a.viewer-link")
    page.wait_for_selector("#stage[data-scale]")


def test_viewer_shows_every_box_zooms_and_moves_on(live_server, page_as_bob, scene):
    page = page_as_bob
    _open_viewer(page, live_server, scene["linked"])
    assert page.locator("#boxes g.vbox").count() == 2  # every box of the image, labelled
    assert "buck 0.71" in page.text_content("#boxes")
    assert page.get_attribute("#metadata a.deer-link", "href") == f"/deer/{scene['deer'].pk}/"
    page.focus("#stage")
    assert page.get_attribute("#stage", "data-scale") == "1.00"
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert float(page.get_attribute("#stage", "data-scale")) > 1.5
    before = page.eval_on_selector("#canvas", "c => c.style.transform")
    page.keyboard.press("ArrowLeft")
    assert page.eval_on_selector("#canvas", "c => c.style.transform") != before
    page.keyboard.press("0")
    assert page.get_attribute("#stage", "data-scale") == "1.00"
    page.mouse.move(400, 400)
    page.mouse.wheel(0, -300)
    page.wait_for_function("Number(document.querySelector('#stage').dataset.scale) > 1")
    page.screenshot(path=str(factories.artifact_path("image-viewer.png")))
    listed = list(Detection.objects.order_by("-taken_at", "-id").values_list("pk", flat=True))  # the page's order
    here = listed.index(scene["linked"].pk)
    page.keyboard.press("k")  # previous in the list
    page.wait_for_url(f"**/detections/{listed[here - 1]}/**")
    page.wait_for_selector("#stage[data-scale]")
    page.keyboard.press("j")  # and back
    page.wait_for_url(f"**/detections/{scene['linked'].pk}/**")


def test_review_key_then_undo_restores_class_and_deer(live_server, page_as_bob, scene):
    page = page_as_bob
    det = scene["linked"]
    _open_viewer(page, live_server, det)
    page.focus("#stage")
    with page.expect_navigation():
        page.keyboard.press("x")  # invalid: unlinked from its deer
    assert "invalid" in page.inner_text("#state")
    assert "deer" in page.inner_text("#history")
    assert Detection.objects.get(pk=det.pk).deer_id is None
    page.focus("#stage")
    with page.expect_navigation():
        page.keyboard.press("z")
    assert "Undone" in page.inner_text(".messages")
    det.refresh_from_db()
    assert (det.is_valid, det.deer_id, det.is_reviewed) == (True, scene["deer"].pk, False)
    assert page.get_attribute("#metadata a.deer-link", "href") == f"/deer/{scene['deer'].pk}/"


def test_drawing_a_missed_animal_adds_a_human_box(live_server, page_as_bob, scene):
    page = page_as_bob
    _open_viewer(page, live_server, scene["linked"])
    page.focus("#stage")
    page.keyboard.press("e")
    box = page.locator("#stage").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.75, steps=5)
    page.mouse.up()
    assert int(page.input_value("#box-form input[name=width]")) > 10
    page.select_option("#box-form select[name=classification]", "coyote")
    with page.expect_navigation():
        page.click("#add-box")
    added = Detection.objects.get(human_added=True)
    assert added.classification == "coyote" and added.image_id == scene["linked"].image_id
    assert page.url.endswith(f"/detections/{added.pk}/")
    assert "drawn by a reviewer" in page.inner_text("#metadata")
    assert DetectionCorrection.objects.filter(detection=added, field="added").exists()


def test_editing_the_box_by_its_fields(live_server, page_as_bob, scene):
    page = page_as_bob
    det = scene["neighbour"]
    _open_viewer(page, live_server, det)
    page.fill("#box-form input[name=width]", "150")
    with page.expect_navigation():
        page.click("#save-box")
    det.refresh_from_db()
    assert det.bbox == (300, 100, 150, 90)
    assert "300,100,120,90" in page.inner_text("#history")
    page.fill("#box-form input[name=x]", "600")  # outside the 640 px image
    with page.expect_navigation():
        page.click("#save-box")
    assert "must lie inside" in page.inner_text(".messages")


def test_previous_and_next_stay_within_a_file_name_search(live_server, page_as_bob):
    """j/k in the viewer opened from a list filtered by a bare file-name search move through that
    search's results only, never to the detection taken between them that does not match."""
    loc = factories.location("North Feeder")

    def taken(day, hour, filename, label):
        image = factories.image(loc, taken_at=factories.datetime(2026, 10, day, hour, tzinfo=factories.UTC))
        Image.objects.filter(pk=image.pk).update(filename=filename)
        return factories.detection(image, label)

    older = taken(3, 6, "IMG_0101.JPG", "doe")
    between = taken(3, 18, "IMG_0301.JPG", "buck")  # between the two matches in the list's order
    newer = taken(4, 6, "IMG_0102.JPG", "doe")
    taken(5, 6, "IMG_0201.JPG", "fawn")
    page = page_as_bob
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Detections")
    page.wait_for_selector("form.filters")
    page.fill("form.filters input[name=filename]", "IMG_01")
    page.click("form.filters button:text('Filter')")
    page.wait_for_load_state()
    shown = page.eval_on_selector_all(".det-card", "cards => cards.map(c => c.dataset.id)")
    assert shown == [str(newer.pk), str(older.pk)]  # newest first, the others left out
    page.click(f"#det-{newer.pk} a.viewer-link")
    page.wait_for_selector("#stage[data-scale]")
    page.focus("#stage")
    page.keyboard.press("j")  # next in the search's results: the older match, not the detection between
    page.wait_for_url(f"**/detections/{older.pk}/**")
    page.wait_for_selector("#stage[data-scale]")
    assert f"/detections/{between.pk}/" not in page.url
    page.focus("#stage")
    page.keyboard.press("k")  # and back
    page.wait_for_url(f"**/detections/{newer.pk}/**")
