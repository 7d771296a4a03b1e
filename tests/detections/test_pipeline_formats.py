"""MegaDetector 1.x and SpeciesNet output as the tools write them (issue 13), through the import commands.

The documents follow the published specs: lila.science/megadetector-output-format (agentmorris/MegaDetector,
megadetector-output-format.md) and google/cameratrapai README "Output format" (SpeciesNet v4 taxonomy strings
from its model card).
"""

import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from PIL import Image as PILImage

from detections.models import Detection, Image, Location
from tests import factories

pytestmark = pytest.mark.django_db

DEER = "5c7ce479-8a45-40b3-ae21-7c97dfae22f5;mammalia;cetartiodactyla;cervidae;odocoileus;virginianus;white-tailed deer"
CATTLE = "aca65aaa-8c6d-4b69-94de-842b08b13bd6;mammalia;cetartiodactyla;bovidae;bos;taurus;domestic cattle"
ELK = "00000000-0000-0000-0000-000000000000;mammalia;cetartiodactyla;cervidae;cervus;canadensis;elk"
BLANK = "f1856211-cfb7-4a5b-9158-c0f72fd09ee6;;;;;;blank"
HUMAN = "990ae9dd-7a59-4344-afcb-1b7b21368000;mammalia;primates;hominidae;homo;sapiens;human"


@pytest.fixture
def cams(settings):
    """Four JPEGs (640x480) in IMAGE_ROOT/North/ and a North location."""
    Location.objects.create(name="North", timezone="America/Chicago")
    for index in range(4):
        path = settings.IMAGE_ROOT / "North" / f"IMG_{index}.JPG"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(factories.jpeg_bytes(color=(index, 40, 9), exif_datetime=f"2024:10:15 06:30:0{index}"))


def write(tmp_path, document, name="results.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def md(version="1.5", images=None, **extra):
    document = {
        "info": {
            "format_version": version,
            "detector": "md_v5a.0.0.pt",
            "classifier": "kaggle:google/speciesnet/pyTorch/v4.0.2a/1",
            "detector_metadata": {"megadetector_version": "v5a.0.1", "typical_detection_threshold": 0.2},
        },
        "detection_categories": {"1": "animal", "2": "person", "3": "vehicle"},
        "classification_categories": {"0": "white-tailed deer", "1": "domestic cattle", "2": "coyote", "3": "elk"},
        "classification_category_descriptions": {"0": DEER, "1": CATTLE, "2": "canis latrans", "3": ELK},
        "images": images or [],
    }
    document.update(extra)
    return document


def box(category="1", conf=0.9, bbox=(0.25, 0.5, 0.5, 0.25), classifications=None):
    found = {"category": category, "conf": conf, "bbox": list(bbox)}
    if classifications is not None:
        found["classifications"] = classifications
    return found


@pytest.mark.parametrize("version", ["1.3", "1.5", "1.6"])
def test_megadetector_with_a_classifier(tmp_path, cams, version):
    document = md(
        version,
        [
            {"file": "North/IMG_0.JPG", "detections": [box(classifications=[["0", 0.91], ["3", 0.05]])]},
            {"file": "North/IMG_1.JPG", "detections": [box(classifications=[["1", 0.88]])]},
            {"file": "North/IMG_2.JPG", "detections": [box(classifications=[["3", 0.95]])]},
            {"file": "North/IMG_3.JPG", "detections": [box(classifications=[["0", 0.05], ["1", 0.04]])]},
        ],
    )
    out, err = run("import_megadetector", write(tmp_path, document))
    assert "imported 4 images with 4 detections" in out
    classes = {d.image.filename: d for d in Detection.objects.select_related("image")}
    deer, cattle, elk, unsure = (classes[f"IMG_{i}.JPG"] for i in range(4))
    assert (deer.classification, deer.model_label, deer.classifier_score) == ("unknown", "white-tailed deer", 0.91)
    assert cattle.classification == "cattle"  # 'domestic cattle' is no Herdbook class name, the map knows it
    assert (elk.classification, elk.model_label) == ("animal", ELK)  # unmapped: kept, reported, never a deer
    assert "unmapped label (kept as model_label, class animal): " + ELK in err
    assert (unsure.classification, unsure.classifier_score) == ("animal", 0.05)  # under the minimum score
    assert "1 classifier labels below the minimum score; 1 unmapped labels" in out
    assert deer.detector_model == "md_v5a.0.0.pt" and deer.classifier_model.startswith("kaggle:google/speciesnet")
    assert deer.image.detector_model == "md_v5a.0.0.pt"
    assert not Detection.objects.matchable().filter(classification="animal").exists()


def test_megadetector_format_rules(tmp_path, cams):
    document = md(
        "1.6",
        [
            {
                "file": "North/IMG_0.JPG",
                "detections": [
                    box("2", 0.9, classifications=[["2", 0.97]]),  # a person the classifier calls a coyote
                    box("7", 0.99),  # a category the file does not define: no detection
                    box("1", 0.15, bbox=(0.1, 0.1, 0.1, 0.1)),  # under the file's typical threshold 0.2
                ],
            },
            {"file": "North/IMG_1.JPG", "detections": None},  # null without a failure: not processed
            {"file": "North/IMG_2.JPG", "failure": "Failure image access", "detections": None},
            {"file": "North/video.mp4", "frame_rate": 20, "frames_processed": [0], "detections": []},
        ],
    )
    out, err = run("import_megadetector", write(tmp_path, document))
    assert "imported 1 images with 1 detections" in out
    assert "3 MegaDetector failures; 1 detections below 0.2; 1 of unknown categories" in out
    assert "skipped North/IMG_1.JPG: not processed (detections is null or missing, and no failure given)" in err
    assert "skipped North/IMG_2.JPG: MegaDetector failure: Failure image access" in err
    assert list(Detection.objects.values_list("classification", flat=True)) == ["human"]
    assert not Image.objects.filter(filename="IMG_1.JPG").exists()


def test_threshold_from_metadata_unless_overridden(tmp_path, cams):
    document = md(images=[{"file": "North/IMG_0.JPG", "detections": [box(conf=0.5)]}])
    document["info"]["detector_metadata"]["typical_detection_threshold"] = 0.6
    path = write(tmp_path, document)
    out, _ = run("import_megadetector", path, "--dry-run")
    assert "would import 1 images with 0 detections" in out and "1 detections below 0.6" in out
    out, _ = run("import_megadetector", path, "--min-confidence", "0.4")
    assert "imported 1 images with 1 detections" in out


@pytest.mark.parametrize(
    "name, root",
    [
        ("/data/cams/North/IMG_0.JPG", "/data/cams"),
        ("D:\\Cams\\North\\IMG_0.JPG", "d:\\cams"),
        ("North\\IMG_0.JPG", ""),
    ],
)
def test_absolute_and_windows_paths(tmp_path, cams, name, root):
    document = md(images=[{"file": name, "detections": [box()]}])
    out, _ = run("import_megadetector", write(tmp_path, document), *(["--image-root", root] if root else []))
    assert "imported 1 images with 1 detections" in out
    assert Image.objects.get().file == "North/IMG_0.JPG"


@pytest.mark.parametrize(
    "images, message",
    [
        ([{"file": "/elsewhere/North/IMG_0.JPG", "detections": []}], "is not under the image root '/data/cams'"),
        ([{"file": "North/IMG_0.JPG", "detections": [box(bbox=(0, 0, 1, 1)) | {"bbox": None}]}], "has bbox None"),
        ([{"file": "North/IMG_0.JPG", "detections": [{"category": "1", "bbox": [0, 0, 1, 1]}]}], "no numeric 'conf'"),
        ([{"file": "North/../../etc/passwd", "detections": []}], "leaves the image folder"),
        ([{"file": "North/IMG_0.JPG", "detections": "none"}], "'detections' must be a list"),
        ([{"file": "North/IMG_0.JPG", "detections": [box(classifications=[["9", 0.9]])]}], "not in classification"),
        ([{"file": "North/IMG_0.JPG", "detections": [box(classifications=[["0"]])]}], "malformed classifications"),
    ],
)
def test_malformed_files_are_refused_and_change_nothing(tmp_path, settings, images, message):
    (settings.IMAGE_ROOT / "North").mkdir(parents=True)
    (settings.IMAGE_ROOT / "North" / "IMG_0.JPG").write_bytes(factories.jpeg_bytes(exif_datetime="2024:10:15 06:30:00"))
    path = write(tmp_path, md(images=images + [{"file": "New/IMG_9.JPG", "detections": []}]))
    with pytest.raises(CommandError, match=message):
        run("import_megadetector", path, "--create-locations", "--image-root", "/data/cams")
    assert not Location.objects.exists() and not Image.objects.exists()


@pytest.mark.parametrize(
    "document, message",
    [
        (md("one point five"), "Unsupported MegaDetector format_version one point five"),
        (md(detection_categories={"1": ""}), "must map category ids to non-blank names"),
        (md(info=[]), '"info" must be an object'),
    ],
)
def test_malformed_headers(tmp_path, document, message):
    with pytest.raises(CommandError, match=message):
        run("import_megadetector", write(tmp_path, document))


def test_unknown_location_is_refused_before_any_is_created(tmp_path, cams, settings):
    (settings.IMAGE_ROOT / "South").mkdir()
    (settings.IMAGE_ROOT / "South" / "a.jpg").write_bytes(factories.jpeg_bytes(exif_datetime="2024:10:15 06:30:00"))
    document = md(images=[{"file": "South/a.jpg", "detections": []}, {"file": "West/b.jpg", "detections": []}])
    with pytest.raises(CommandError, match="No location named 'South', 'West'"):
        run("import_megadetector", write(tmp_path, document))
    assert list(Location.objects.values_list("name", flat=True)) == ["North"]


def test_reimport_with_a_classifier_updates_model_labels_not_corrections(tmp_path, cams):
    first = md(
        images=[
            {"file": "North/IMG_0.JPG", "detections": [box()]},
            {"file": "North/IMG_1.JPG", "detections": [box()]},
        ],
        info={"format_version": "1.3", "detector": "md_v5a.0.0.pt"},
        classification_categories={},
        classification_category_descriptions={},
    )
    run("import_megadetector", write(tmp_path, first, "detector.json"))
    assert set(Detection.objects.values_list("classification", flat=True)) == {"animal"}
    corrected = Detection.objects.get(image__filename="IMG_1.JPG")
    Detection.objects.filter(pk=corrected.pk).update(corrected_classification="coyote", is_reviewed=True)
    second = md(
        images=[
            {"file": "North/IMG_0.JPG", "detections": [box(classifications=[["0", 0.93]])]},
            {"file": "North/IMG_1.JPG", "detections": [box(classifications=[["1", 0.9]])]},
        ]
    )
    out, _ = run("import_megadetector", write(tmp_path, second, "classified.json"))
    assert "imported 0 images with 0 detections; 2 already stored" in out and "2 detections relabelled" in out
    deer = Detection.objects.get(image__filename="IMG_0.JPG")
    assert (deer.classification, deer.classifier_score, deer.model_label) == ("unknown", 0.93, "white-tailed deer")
    assert deer.classifier_model.startswith("kaggle:google/speciesnet")
    corrected.refresh_from_db()
    assert (corrected.classification, corrected.corrected_classification) == ("cattle", "coyote")
    assert corrected.effective_classification == "coyote"
    assert Image.objects.get(filename="IMG_0.JPG").classifier_model.startswith("kaggle:")


def rotated_jpeg():
    """A 640x480 stored JPEG with EXIF Orientation 6 (shown rotated 90 degrees clockwise, 480x640) and a white
    square at stored pixels x 400..480, y 40..120."""
    picture = PILImage.new("RGB", (640, 480), (20, 60, 20))
    picture.paste((255, 255, 255), (400, 40, 480, 120))
    exif = PILImage.Exif()
    exif[0x0112] = 6
    exif[0x8769] = {0x9003: "2024:10:15 06:30:00"}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def test_exif_orientation_boxes_are_on_the_displayed_image(tmp_path, cams, settings):
    data = rotated_jpeg()
    (settings.IMAGE_ROOT / "North" / "rotated.jpg").write_bytes(data)
    # where the square is on the image as MegaDetector sees it (EXIF applied), normalized
    from PIL import ImageOps

    shown = ImageOps.exif_transpose(PILImage.open(io.BytesIO(data))).convert("L")
    assert shown.size == (480, 640)
    left, top, right, bottom = shown.point(lambda v: 255 if v > 200 else 0).getbbox()
    bbox = [left / 480, top / 640, (right - left) / 480, (bottom - top) / 640]
    run(
        "import_megadetector",
        write(tmp_path, md(images=[{"file": "North/rotated.jpg", "detections": [box(bbox=bbox)]}])),
    )
    detection = Detection.objects.get()
    assert (detection.image.width, detection.image.height) == (640, 480)  # stored pixels, as crops read them
    x, y, w, h = detection.bbox
    assert abs(x - 400) <= 2 and abs(y - 40) <= 2 and abs(w - 80) <= 3 and abs(h - 80) <= 3


def test_label_map_override(tmp_path, cams):
    override = tmp_path / "mine.csv"
    override.write_text("label,class\nelk,coyote\nwhite-tailed deer,\n")
    document = md(
        images=[
            {"file": "North/IMG_0.JPG", "detections": [box(classifications=[["3", 0.9]])]},
            {"file": "North/IMG_1.JPG", "detections": [box(classifications=[["0", 0.9]])]},
        ]
    )
    run("import_megadetector", write(tmp_path, document), "--label-map", str(override))
    got = dict(Detection.objects.values_list("image__filename", "classification"))
    assert got == {"IMG_0.JPG": "coyote", "IMG_1.JPG": "animal"}  # a user row unmaps the shipped deer row
    override.write_text("label,class\nelk,moose\n")
    with pytest.raises(CommandError, match="'moose' is not a Herdbook class"):
        run("import_megadetector", write(tmp_path, document), "--label-map", str(override))


# --- SpeciesNet -------------------------------------------------------------------------------------------


def speciesnet(predictions, info=True):
    document = {"predictions": predictions}
    if info:
        document["info"] = {"format_version": "20261015"}
    return document


def prediction(filepath, label, score, detections, **extra):
    return {
        "filepath": filepath,
        "classifications": {"classes": [label], "scores": [score]},
        "detections": detections,
        "prediction": label,
        "prediction_score": score,
        "prediction_source": "classifier",
        "model_version": "4.0.1a",
        **extra,
    }


def sn_box(category="1", conf=0.9, bbox=(0.25, 0.5, 0.5, 0.25)):
    label = {"1": "animal", "2": "human", "3": "vehicle"}.get(category, "?")
    return {"category": category, "label": label, "conf": conf, "bbox": list(bbox)}


@pytest.mark.parametrize("info", [True, False])
def test_speciesnet_ensemble(tmp_path, cams, info):
    document = speciesnet(
        [
            prediction("North/IMG_0.JPG", DEER, 0.97, [sn_box(), sn_box("2", 0.8, (0, 0, 0.1, 0.2))]),
            prediction("North/IMG_1.JPG", CATTLE, 0.85, [sn_box()]),
            prediction("North/IMG_2.JPG", BLANK, 0.99, [sn_box(conf=0.05)]),
            prediction("North/IMG_3.JPG", ELK, 0.9, [], failures=["GEOLOCATION"]),
        ],
        info,
    )
    out, err = run("import_speciesnet", write(tmp_path, document))
    assert "imported 4 images with 3 detections" in out
    rows = sorted(Detection.objects.values_list("image__filename", "classification", "classifier_score"))
    assert rows == [("IMG_0.JPG", "human", None), ("IMG_0.JPG", "unknown", 0.97), ("IMG_1.JPG", "cattle", 0.85)]
    deer = Detection.objects.get(classification="unknown")
    assert deer.model_label == DEER and deer.classifier_model == "SpeciesNet 4.0.1a"
    assert Image.objects.filter(filename="IMG_2.JPG", detections=None).exists()  # blank: no box, no pseudo-box


def test_speciesnet_detector_only_failures_and_classifier_only(tmp_path, cams):
    document = speciesnet(
        [
            {"filepath": "North/IMG_0.JPG", "detections": [sn_box(), sn_box("3", 0.7, (0, 0, 0.2, 0.2))]},
            {"filepath": "North/IMG_1.JPG", "failures": ["DETECTOR", "CLASSIFIER"]},
            {"filepath": "North/IMG_2.JPG", "classifications": {"classes": [DEER], "scores": [0.9]}},
            {"filepath": "North/IMG_3.JPG", "detections": [sn_box("9")]},
        ]
    )
    out, err = run("import_speciesnet", write(tmp_path, document))
    assert "imported 2 images with 2 detections" in out and "2 SpeciesNet failures" in out
    assert "skipped North/IMG_1.JPG: SpeciesNet failures: DETECTOR, CLASSIFIER" in err
    assert "skipped North/IMG_2.JPG: no detector output (classifier-only run)" in err
    assert sorted(Detection.objects.values_list("classification", flat=True)) == ["animal", "vehicle"]


@pytest.mark.parametrize(
    "document, message",
    [
        ({"images": []}, 'no "predictions" list'),
        ({"predictions": [], "info": {"format_version": "v5"}}, "Unsupported SpeciesNet format_version 'v5'"),
        ({"predictions": [{"file": "North/IMG_0.JPG"}]}, 'expected {"filepath"'),
        (speciesnet([prediction("North/IMG_0.JPG", DEER, "high", [sn_box()])]), "'prediction_score' must be a number"),
        (speciesnet([{"filepath": "North/IMG_0.JPG", "detections": [sn_box() | {"bbox": None}]}]), "has bbox None"),
        (speciesnet([{"filepath": "North/IMG_0.JPG", "failures": "DETECTOR"}]), "'failures' must be a list"),
    ],
)
def test_speciesnet_malformed(tmp_path, cams, document, message):
    with pytest.raises(CommandError, match=message):
        run("import_speciesnet", write(tmp_path, document))
    assert not Image.objects.exists()


# --- the migration that split `unknown` ---------------------------------------------------------------


def test_migration_moves_only_unidentified_unknowns_and_reverses():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("detections.migrations.0007_e_unidentified_animals")
    false_positive = factories.detection(classification="unknown", confidence=0.3)  # the demo's: no embedding
    deer = factories.detection(classification="unknown", embedding=factories.unit_vector(8))
    matched = factories.detection(classification="unknown", deer=factories.deer(sex="unknown"))
    accepted = factories.detection(classification="unknown", is_reviewed=True)
    rejected = factories.detection(classification="unknown", is_reviewed=True, is_valid=False)
    corrected = factories.detection(classification="unknown", corrected_classification="doe")
    doe = factories.detection(classification="doe")
    migration.split_unknown(apps, None)
    after = dict(Detection.objects.values_list("pk", "classification"))
    assert {pk for pk, value in after.items() if value == "animal"} == {false_positive.pk, rejected.pk}
    assert after[deer.pk] == after[matched.pk] == after[accepted.pk] == after[corrected.pk] == "unknown"
    assert Detection.objects.get(pk=corrected.pk).corrected_classification == "doe"
    assert after[doe.pk] == "doe"
    migration.join_unknown(apps, None)
    assert set(Detection.objects.exclude(pk=doe.pk).values_list("classification", flat=True)) == {"unknown"}
