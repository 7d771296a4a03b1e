"""MegaDetector export (format 1.5): conforms to the format's rules, carries Herdbook's corrections
and reviewed flags, and reads back through Herdbook's own MegaDetector import to the same detections."""

import json

import pytest
from django.conf import settings

from detections import megadetector
from detections.ingest import images_ingest_batch
from detections.models import Detection, Image
from exports.megadetector_export import write_megadetector
from tests import factories
from tests.exports.megadetector_format import format_problems
from tests.exports.test_camtrap_dp_package import OCTOBER, field_site  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def written(tmp_path, params=OCTOBER):
    path = tmp_path / "md.json"
    counts = write_megadetector(params, path)
    return json.loads(path.read_text()), counts


def test_the_file_follows_the_format(field_site, tmp_path):  # noqa: F811
    document, counts = written(tmp_path)
    assert format_problems(document) == []
    assert document["info"]["format_version"] == "1.5"
    files = [image["file"] for image in document["images"]]
    assert files == sorted(files) and counts == {"images": 5, "processed": 6}
    # the blank image and the one whose only box a reviewer rejected: processed, nothing found
    by_file = {image["file"]: image for image in document["images"]}
    assert by_file[field_site["blank"].file]["detections"] == []
    assert by_file[field_site["only_invalid"].file]["detections"] == []
    assert field_site["pending"].file not in by_file and field_site["outside"].file not in by_file


def test_corrections_and_reviewed_flags(field_site, tmp_path):  # noqa: F811
    document, _ = written(tmp_path)
    names = document["classification_categories"]
    detections = {
        (image["file"], tuple(det["bbox"])): det for image in document["images"] for det in image["detections"]
    }
    corrected = field_site["d"]["corrected"]  # a doe a reviewer corrected to buck, box 10,20,30,40 in 1000x500
    det = detections[(corrected.image.file, (0.01, 0.04, 0.03, 0.08))]
    assert names[det["classifications"][0][0]] == "buck" and det["classifications"][0][1] == 1.0
    assert det["reviewed"] is True and det["category"] == "1"
    human = field_site["d"]["human"]
    det = detections[(human.image.file, (0.0, 0.0, 0.1, 1.0))]
    assert det["category"] == "2" and det["reviewed"] is False and det["conf"] == pytest.approx(0.99)
    assert document["classification_category_descriptions"][det["classifications"][0][0]] == "Homo sapiens"


def test_a_broken_file_is_caught_by_the_checker(field_site, tmp_path):  # noqa: F811
    document, _ = written(tmp_path)
    with_boxes = [image for image in document["images"] if image["detections"]]
    with_boxes[0]["detections"][0]["category"] = "9"  # the format: an unlisted category
    with_boxes[1]["failure"] = "unreadable"  # a failure must come with null detections
    assert len(format_problems(document)) == 2


def test_round_trip_through_the_megadetector_import(field_site, tmp_path):  # noqa: F811
    for number, image in enumerate(Image.objects.all()):  # distinct contents (the factory's colours repeat)
        (settings.IMAGE_ROOT / image.file).write_bytes(
            factories.jpeg_bytes(image.width, image.height, color=(number * 20 % 255, 200, 10))
        )
    document, _ = written(tmp_path)
    exported = {image["file"] for image in document["images"]}

    def state():
        return sorted(
            (d.image.file, d.effective_classification, d.bbox, round(d.confidence, 6))
            for d in Detection.objects.filter(
                is_valid=True, is_duplicate=False, image__file__in=exported
            ).select_related("image")
        )

    before = state()
    locations = {image.file: image.location for image in Image.objects.all()}
    Image.objects.all().delete()
    conversion = megadetector.convert(document, min_confidence=0.0)
    for item in conversion.items:  # the location and capture time are Herdbook's, not in the format
        item["location"], item["taken_at"] = locations[item["file"]], "2024-10-15T12:00:00Z"
    images_ingest_batch(conversion.items)
    assert state() == before
