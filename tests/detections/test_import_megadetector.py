"""manage.py import_megadetector: MegaDetector batch output (format 1.x) for images under IMAGE_ROOT."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from detections.models import Detection, Image, Location
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera_folder(settings):
    """Three JPEGs (640x480, EXIF times) in IMAGE_ROOT/Hayfield/ and a Hayfield location."""
    Location.objects.create(name="Hayfield", timezone="America/Chicago")
    for index in range(3):
        path = settings.IMAGE_ROOT / "Hayfield" / f"IMG_{index}.JPG"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            factories.jpeg_bytes(640, 480, color=(index, 9, 9), exif_datetime=f"2024:10:15 06:30:0{index}")
        )


def write_json(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def md_output(**extra):
    return {
        "info": {"format_version": "1.3", "detector": "md_v5a.0.0.pt"},
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "images": [
            {
                "file": "Hayfield/IMG_0.JPG",
                "detections": [
                    {"category": "1", "conf": 0.92, "bbox": [0.25, 0.5, 0.5, 0.25]},
                    {"category": "2", "conf": 0.81, "bbox": [0.0, 0.0, 0.1, 0.2]},
                    {"category": "1", "conf": 0.05, "bbox": [0.6, 0.6, 0.1, 0.1]},
                ],
            },
            {"file": "Hayfield/IMG_1.JPG", "detections": []},
            {"file": "Hayfield/IMG_2.JPG", "failure": "Failure image access"},
        ],
        **extra,
    }


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_megadetector", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_creates_images_and_detections(tmp_path, camera_folder):
    out, err = run(write_json(tmp_path, "md.json", md_output()))
    assert (
        "imported 2 images with 2 detections; 0 already stored; 0 rejected; 1 MegaDetector failures; 1 detections below 0.2"
        in out
    )
    assert "skipped Hayfield/IMG_2.JPG: MegaDetector failure: Failure image access" in err
    image = Image.objects.get(file="Hayfield/IMG_0.JPG")
    assert image.taken_at == datetime(2024, 10, 15, 11, 30, tzinfo=UTC)  # EXIF, Chicago time
    rows = {d.classification: d.bbox for d in image.detections.all()}
    assert rows == {"animal": (160, 240, 320, 120), "human": (0, 0, 64, 96)}  # issue 13: no classifier, not a deer


def test_import_twice_creates_nothing_new(tmp_path, camera_folder):
    path = write_json(tmp_path, "md.json", md_output())
    run(path)
    out, _ = run(path)
    assert "imported 0 images with 0 detections; 2 already stored" in out
    assert Image.objects.count() == 2 and Detection.objects.count() == 2


def test_classifier_labels_and_embeddings(tmp_path, camera_folder):
    document = md_output(classification_categories={"0": "buck", "1": "doe"})
    document["images"][0]["detections"][0]["classifications"] = [["0", 0.2], ["1", 0.7]]
    embeddings = {
        "model": "megadesc-test",
        "items": [{"file": "Hayfield/IMG_0.JPG", "detection": 0, "embedding": [3.0, 4.0]}],
    }
    run(write_json(tmp_path, "md.json", document), "--embeddings", write_json(tmp_path, "emb.json", embeddings))
    doe = Detection.objects.get(classification="doe")
    assert doe.embedding_model == "megadesc-test"
    assert [round(float(v), 5) for v in doe.get_embedding()] == [0.6, 0.8]


def test_bad_items_are_reported_and_the_rest_imported(tmp_path, camera_folder):
    document = md_output()
    document["images"][1]["detections"] = [{"category": "1", "conf": 0.9, "bbox": [0.9, 0.9, 0.5, 0.5]}]
    document["images"].append({"file": "Hayfield/missing.JPG", "detections": []})
    out, err = run(write_json(tmp_path, "md.json", document))
    assert "imported 1 images with 2 detections; 0 already stored; 2 rejected" in out
    assert (
        "rejected Hayfield/IMG_1.JPG: detections.0.bbox: normalized bbox [0.9, 0.9, 0.5, 0.5] must lie within 0..1"
        in err
    )
    assert "rejected Hayfield/missing.JPG: file: No file 'Hayfield/missing.JPG' under the image root." in err
    assert Image.objects.count() == 1


def test_dry_run_stores_nothing(tmp_path, camera_folder):
    out, _ = run(write_json(tmp_path, "md.json", md_output()), "--dry-run")
    assert out.startswith("would import 2 images with 2 detections")
    assert Image.objects.count() == 0


def test_unknown_folder_location(tmp_path, settings):
    path = settings.IMAGE_ROOT / "Ridge" / "a.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(factories.jpeg_bytes(exif_datetime="2024:10:15 06:30:00"))
    document = {"images": [{"file": "Ridge/a.jpg", "detections": []}]}
    md = write_json(tmp_path, "md.json", document)
    with pytest.raises(CommandError, match="No location named 'Ridge'"):
        run(md)
    out, _ = run(md, "--create-locations")
    assert "imported 1 images" in out
    assert Image.objects.get().location.name == "Ridge"


@pytest.mark.parametrize(
    "document, message",
    [
        ({"foo": 1}, 'no "images" list'),
        ({"images": [], "info": {"format_version": "2.0"}}, "Unsupported MegaDetector format_version 2.0"),
    ],
)
def test_not_megadetector_output(tmp_path, document, message):
    with pytest.raises(CommandError, match=message):
        run(write_json(tmp_path, "md.json", document))


def test_non_finite_numbers_are_rejected_not_crashing(tmp_path, camera_folder):
    path = tmp_path / "md.json"
    path.write_text(
        '{"images": [{"file": "Hayfield/IMG_0.JPG", "detections": [{"category": "1", "conf": 0.9, "bbox": [Infinity, 0, 0.1, 0.1]}]}]}'
    )
    out, err = run(str(path))
    assert "1 rejected" in out
    assert "must hold finite numbers" in err
