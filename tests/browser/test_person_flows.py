"""A person in headless Chromium: works the re-ID queue from the keyboard, loses the session halfway,
merges two deer through the confirmation and undoes it, uploads a handful of images, and mistypes a
date range; each time the test checks what the page then shows."""

import pytest
from django.contrib.sessions.models import Session

from detections.models import Image
from reid.models import Deer, ProfileAudit, ReviewItem
from reid.services import run_matching
from tests import factories
from tests.reid.conftest import at_cosine
from tests.reid.helpers import hours, latent, sighting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def review_queue():
    loc = factories.location("Hayfield")
    a = latent(1)
    sighting(loc, hours(0), a, write_file=True)
    sighting(loc, hours(1), at_cosine(a, 0.2, 2), write_file=True)
    run_matching()
    queued = sighting(loc, hours(5), at_cosine(a, 0.65, 3), write_file=True)
    run_matching()
    return queued, Deer.objects.get(first_seen=hours(0)), Deer.objects.get(first_seen=hours(1))


def test_reviewer_works_the_queue_from_the_keyboard(live_server, page_as_bob):
    queued, first, second = review_queue()
    page = page_as_bob
    page.get_by_role("link", name="Review queue").click()  # from the menu
    page.wait_for_selector("#review-pane[data-ready] #review-item")  # the pane takes keys
    assert page.locator("figure.candidate").count() == 2
    assert page.locator("figure.candidate").first.get_by_role("link", name=str(first), exact=True).count() == 1
    page.keyboard.press("r")  # not the first candidate
    page.wait_for_selector("#review-flash")
    assert page.inner_text("#review-flash") == f"Not {first}: it will not be offered again for this detection."
    assert page.locator("figure.candidate").count() == 1
    assert page.inner_text("#remaining") == "1"
    page.wait_for_selector("#review-pane[data-ready]")
    page.keyboard.press("u")
    page.wait_for_selector("#review-pane[data-ready] #review-flash:has-text('Undid reject')")
    assert page.locator("figure.candidate").count() == 2
    page.keyboard.press("2")  # same deer as the second candidate
    page.wait_for_selector("#empty")
    assert page.inner_text("#review-flash") == f"Same deer: linked to {second}."
    assert page.inner_text("#remaining") == "0"
    assert page.url.endswith("/reid/review/")  # loaded in place, never navigated
    queued.refresh_from_db()
    assert queued.deer_id == second.id and ReviewItem.objects.get().status == "accepted"


def test_typing_a_name_does_not_trigger_review_keys(live_server, page_as_bob):
    review_queue()
    page = page_as_bob
    page.goto(f"{live_server.url}/reid/review/")
    page.fill("input[name=name]", "Snowflake")  # contains n, s, ...
    assert ReviewItem.objects.get().status == "pending"
    page.get_by_role("button", name="New individual").click()
    page.wait_for_selector("#review-flash")
    assert page.inner_text("#review-flash") == "New individual Snowflake."
    assert Deer.objects.filter(name="Snowflake").exists()


def test_expired_session_in_the_queue_opens_the_login_page(live_server, page_as_bob):
    review_queue()
    page = page_as_bob
    page.goto(f"{live_server.url}/reid/review/")
    page.wait_for_selector("#review-pane[data-ready] #review-item")
    Session.objects.all().delete()  # the session expired on the server
    page.keyboard.press("s")
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=%2Freid%2Freview%2F")
    assert page.locator("#review-pane").count() == 0  # the whole page is the login page
    assert page.locator("input[name=username]").count() == 1
    assert ReviewItem.objects.get().skipped_at is None


def test_merge_shows_what_will_happen_and_can_be_undone(live_server, page_as_bob):
    loc = factories.location("Creek")
    fawn = factories.deer(sex="fawn", name="Speckles")
    doe = factories.deer(sex="doe", name="Clover")
    for i, deer in enumerate([fawn, doe, doe]):
        factories.detection(factories.image(loc, taken_at=hours(24 * 200 * i)), classification=deer.sex, deer=deer)
    from reid.profiles import deer_recompute

    deer_recompute(fawn), deer_recompute(doe)
    page = page_as_bob
    page.get_by_role("link", name="Deer", exact=True).click()
    page.get_by_role("link", name="Clover").click()
    page.select_option(
        "#merge-form select[name=source]",
        label=f"Speckles (fawn, 1 sightings, {fawn.first_seen:%Y-%m-%d} – {fawn.last_seen:%Y-%m-%d})",
    )
    page.get_by_role("button", name="Merge…").click()
    page.wait_for_selector("#merge-preview")
    assert "Clover will have 3 sightings" in page.inner_text("#merge-result")
    assert "grew into this doe" in page.inner_text("#merge-warning")
    assert Deer.objects.filter(pk=fawn.pk).exists()  # nothing happened yet
    page.get_by_role("button", name="Merge 1 sighting into Clover").click()
    page.wait_for_selector(".messages")
    assert "Merged Speckles into Clover: 3 sightings now." in page.inner_text(".messages")
    assert page.inner_text("#sighting-count") == "3"
    assert "Merged Speckles (1 detections) into Clover" in page.inner_text("#profile-history")
    page.click("#undo-change")
    page.wait_for_selector(".messages:has-text('Undone')")
    assert page.inner_text("#sighting-count") == "2"
    assert Deer.objects.get(pk=fawn.pk).sighting_count == 1
    assert ProfileAudit.objects.get().undone_by.username == "bob"


def test_upload_several_images_with_a_result_for_each(live_server, page_as_bob, tmp_path):
    factories.location("North gate")
    files = []
    for i, color in enumerate([(200, 30, 30), (30, 200, 30)]):
        path = tmp_path / f"IMG_{i}.JPG"
        path.write_bytes(factories.jpeg_bytes(color=color, exif_datetime=f"2024:10:0{i + 1} 06:00:00"))
        files.append(str(path))
    broken = tmp_path / "notes.jpg"
    broken.write_bytes(b"this is not a picture")
    page = page_as_bob
    page.get_by_role("link", name="Upload").click()
    page.wait_for_url("**/upload/")
    page.wait_for_load_state()  # the page's script is listening
    page.set_input_files("#upload-files", files)  # no site chosen yet
    page.wait_for_selector("#upload-summary:has-text('Choose the camera site first')")
    page.select_option("#upload-location", label="North gate")
    page.set_input_files("#upload-files", [*files, str(broken)])
    page.wait_for_selector("#upload-summary:has-text('2 accepted, 0 duplicate, 1 refused.')")
    results = page.locator("#upload-results tbody tr td:nth-child(3)").all_inner_texts()
    assert results[:2] == ["accepted", "accepted"]
    assert results[2].startswith("refused: ")
    # the same file again, dropped on the drop zone this time
    page.evaluate(
        """async (name) => {
            const blob = await (await fetch('/api/images/' + name + '/file')).blob();
            const transfer = new DataTransfer();
            transfer.items.add(new File([blob], 'again.jpg', {type: 'image/jpeg'}));
            document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }""",
        str(Image.objects.get(filename="IMG_0.JPG").pk),
    )
    page.wait_for_selector("#upload-summary:has-text('2 accepted, 1 duplicate, 1 refused.')")
    assert "duplicate: The same file is stored already as IMG_0.JPG" in page.inner_text("#upload-results")
    assert sorted(Image.objects.values_list("filename", flat=True)) == ["IMG_0.JPG", "IMG_1.JPG"]


def test_from_after_to_is_explained_on_the_detections_page(live_server, browser_page, alice):
    factories.detection(classification="doe")
    page = browser_page(alice)
    page.get_by_role("link", name="Detections", exact=True).click()
    page.fill("input[name=start_date]", "2024-11-30")
    page.fill("input[name=end_date]", "2024-11-01")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_selector("#filter-errors")
    assert "From (2024-11-30) is after To (2024-11-01)" in page.inner_text("#filter-errors")
