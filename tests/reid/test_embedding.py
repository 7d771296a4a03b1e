"""Bring your own embedding model: crop -> tiny ONNX model (built here) -> unit vector -> matching."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image as PILImage

from detections.models import Detection
from detections.signals import detections_created
from reid.embedding import EmbeddingModelError, crop, load_model
from reid.models import Deer, ReidRun
from tests import factories
from tests.detections.helpers import det, upload
from tests.reid.helpers import hours
from tests.reid.onnx_models import coat_jpeg, tiny_model

pytestmark = pytest.mark.django_db

RED, BLUE = (200, 60, 50), (50, 70, 200)
BOX = (100, 60, 120, 100)


@pytest.fixture
def model_path(tmp_path, settings):
    path = tiny_model(tmp_path / "tiny.onnx")
    settings.REID_EMBEDDING_MODEL = str(path)
    settings.REID_LIVE_DEBOUNCE_SECONDS = 0
    return path


def stored_image(loc, when, data):
    img = factories.image(loc=loc, taken_at=when, width=320, height=240, write_file=True)
    img.path.write_bytes(data)
    return img


def sightings(colors):
    loc = factories.location()
    made = []
    for index, color in enumerate(colors):
        img = stored_image(loc, hours(6 * index), coat_jpeg(color, box=BOX, seed=index))
        made.append(factories.detection(img, classification="doe", bbox=BOX))
    return made


def test_reid_embed_stores_unit_vectors_named_by_model_and_hash_and_matches(model_path, capsys):
    red_1, blue_1, red_2, blue_2 = sightings([RED, BLUE, RED, BLUE])
    raccoon = factories.detection(red_1.image, classification="raccoon", bbox=(0, 0, 50, 50))
    call_command("reid_embed", "--match")
    out = capsys.readouterr().out
    model = load_model()
    assert model.name.startswith("tiny-reid@") and len(model.name) == len("tiny-reid@") + 12
    assert "Stored 4 embedding(s)" in out
    for one in (red_1, blue_1, red_2, blue_2):
        one.refresh_from_db()
        vector = one.get_embedding()
        assert one.embedding_model == model.name and vector.shape == (16,)
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert float(red_1.get_embedding() @ red_2.get_embedding()) > 0.9
    assert float(red_1.get_embedding() @ blue_1.get_embedding()) < 0.5
    raccoon.refresh_from_db()
    assert raccoon.embedding is None  # only deer sightings
    assert Deer.objects.count() == 2
    assert red_1.deer_id == red_2.deer_id != blue_1.deer_id == blue_2.deer_id


def test_the_crop_is_taken_from_the_exif_transposed_image(tmp_path):
    path = tmp_path / "rotated.jpg"
    path.write_bytes(coat_jpeg(RED, width=320, height=240, box=BOX, orientation=6))  # shown rotated 90 degrees
    from PIL import ImageOps

    with PILImage.open(path) as opened:
        shown = ImageOps.exif_transpose(opened).convert("RGB")
    assert shown.size == (240, 320)
    # the patch at (100, 60, 120, 100) in the stored pixels is at (80, 100, 100, 120) once shown upright
    piece = crop(shown, (80, 100, 100, 120), margin=0.0)
    assert np.asarray(piece).reshape(-1, 3).mean(axis=0)[0] > 180  # all red coat, no grey field


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "there is no file"), (b"not a model at all", "is not a usable ONNX model")],
)
def test_a_missing_or_broken_model_is_a_clear_command_error(tmp_path, settings, content, message):
    path = tmp_path / "model.onnx"
    if content is not None:
        path.write_bytes(content)
    settings.REID_EMBEDDING_MODEL = str(path)
    with pytest.raises(EmbeddingModelError, match=message):
        load_model()
    with pytest.raises(CommandError, match=message):
        call_command("reid_embed")


def test_an_unconfigured_model_is_a_clear_command_error(settings):
    settings.REID_EMBEDDING_MODEL = ""
    with pytest.raises(CommandError, match="set REID_EMBEDDING_MODEL"):
        call_command("reid_embed")


def test_the_job_after_an_import_fails_readably_with_a_missing_model(
    settings, tmp_path, run_jobs, django_capture_on_commit_callbacks
):
    settings.REID_EMBEDDING_MODEL = str(tmp_path / "gone.onnx")
    (one,) = sightings([RED])
    with django_capture_on_commit_callbacks(execute=True):
        detections_created.send(sender=Detection, detection_ids=[one.id])
    run_jobs()
    run = ReidRun.objects.get(kind="embed")
    assert run.status == "failed"
    assert run.error == f"REID_EMBEDDING_MODEL: there is no file {tmp_path / 'gone.onnx'}."


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_uploads_without_embeddings_are_embedded_and_matched_by_a_real_worker(
    model_path, bob_client, redis_conn, start_worker, worker_env
):
    worker_env["REID_EMBEDDING_MODEL"] = str(model_path)
    worker_env["REID_LIVE_DEBOUNCE_SECONDS"] = "0"
    factories.location("Hayfield", timezone="America/Chicago")
    for index, color in enumerate([RED, BLUE, RED]):
        response = upload(
            bob_client,
            coat_jpeg(color, box=BOX, seed=index),
            {
                "location": "Hayfield",
                "taken_at": f"2024-10-1{index}T06:30:00",
                "detections": [det(BOX, 0.95, "doe")],
            },
            name=f"IMG_{index}.JPG",
        )
        assert response.status_code == 201, response.json()
    assert ReidRun.objects.filter(kind="embed").count() == 1  # one run for the three uploads

    worker = start_worker("default", extra_args=("--burst",))
    assert worker.wait(timeout=180) == 0

    assert ReidRun.objects.get(kind="embed").status == "completed"
    assert ReidRun.objects.get(kind="live").status == "completed"
    red_1, blue, red_2 = Detection.objects.order_by("taken_at")
    assert red_1.embedding_model.startswith("tiny-reid@")
    assert red_1.deer_id is not None and red_1.deer_id == red_2.deer_id != blue.deer_id
    assert not Detection.objects.filter(reid_pending=True).exists()
