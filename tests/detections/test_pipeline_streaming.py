"""The pipeline import streams its results file: two passes, chunks of MAX_BATCH_IMAGES, nothing kept."""

import json
import os
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from detections import megadetector, pipeline, results_file
from detections.models import Detection, Image, Location
from tests import factories

pytestmark = pytest.mark.django_db

IMAGES = 7


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_BATCH_IMAGES", 3)  # 7 images: three chunks


@pytest.fixture
def folders(settings):
    """7 JPEGs, in Hayfield/ and in Ridge/ (no location for Ridge yet)."""
    Location.objects.create(name="Hayfield", timezone="America/Chicago")
    for index in range(IMAGES):
        path = settings.IMAGE_ROOT / ("Hayfield" if index < 5 else "Ridge") / f"IMG_{index}.JPG"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(factories.jpeg_bytes(64, 48, color=(index, 9, 9), exif_datetime=f"2024:10:15 06:30:0{index}"))


def md_file(tmp_path, entries, images_first=True):
    header = {
        "info": {"format_version": "1.5", "detector": "md_v5a.0.0.pt"},
        "detection_categories": {"1": "animal", "2": "person"},
    }
    document = {"images": entries, **header} if images_first else {**header, "images": entries}
    path = tmp_path / "md.json"
    path.write_text(json.dumps(document))
    return str(path)


def entry(index, bbox=(0.1, 0.1, 0.5, 0.5)):
    folder = "Hayfield" if index < 5 else "Ridge"
    return {"file": f"{folder}/IMG_{index}.JPG", "detections": [{"category": "1", "conf": 0.9, "bbox": list(bbox)}]}


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_megadetector", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("images_first", [True, False])
def test_a_file_larger_than_a_chunk_is_imported_whole(tmp_path, folders, small_chunks, images_first):
    """MegaDetector writes "images" before "info": the header is found wherever it stands."""
    out, _ = run(md_file(tmp_path, [entry(i) for i in range(IMAGES)], images_first), "--create-locations")
    assert f"imported {IMAGES} images with {IMAGES} detections" in out
    assert Image.objects.count() == IMAGES
    assert set(Detection.objects.values_list("detector_model", flat=True)) == {"md_v5a.0.0.pt"}
    assert Image.objects.filter(location__name="Ridge").count() == 2


def test_a_malformed_entry_late_in_the_file_refuses_it_all(tmp_path, folders, small_chunks):
    entries = [entry(i) for i in range(IMAGES - 1)] + [entry(IMAGES - 1, bbox=(0.1, None, 0.2, 0.2))]
    with pytest.raises(CommandError, match="IMG_6.JPG: detection 0 has bbox"):
        run(md_file(tmp_path, entries), "--create-locations")
    assert Image.objects.count() == 0
    assert not Location.objects.filter(name="Ridge").exists()  # nothing created before the refusal


def test_broken_json_late_in_the_file_refuses_it_all(tmp_path, folders, small_chunks):
    path = md_file(tmp_path, [entry(i) for i in range(IMAGES)])
    with open(path, "r+") as handle:
        text = handle.read()
        handle.seek(0)
        handle.write(text[: len(text) - 40])
        handle.truncate()
    with pytest.raises(CommandError, match="Cannot read the MegaDetector file"):
        run(path, "--create-locations")
    assert Image.objects.count() == 0 and not Location.objects.filter(name="Ridge").exists()


def stream(path, **kwargs):
    document = results_file.open_results(path, "images", "MegaDetector")
    return pipeline.import_stream(
        lambda conversion: megadetector.items(document(), conversion), pipeline.location_resolver("Hayfield"), **kwargs
    )


def test_progress_is_reported_per_transaction(tmp_path, folders, small_chunks, monkeypatch):
    """Chunks of 3 images, two chunks a transaction: progress after each commit."""
    monkeypatch.setattr(pipeline, "TRANSACTION_CHUNKS", 2)
    steps = []
    conversion, totals = stream(
        md_file(tmp_path, [entry(i) for i in range(IMAGES)]), progress=lambda *a: steps.append(a)
    )
    assert steps == [(0, 7), (6, 7), (7, 7)]
    assert conversion.total == 7 and totals["created"] == 7


@pytest.mark.parametrize("failing_chunk, stored", [(2, 0), (3, 4)])
def test_a_failing_chunk_takes_back_its_transaction_only(tmp_path, folders, monkeypatch, failing_chunk, stored):
    """Chunks of 2 images, two a transaction: a chunk that fails after it was written takes back the
    chunks of its own transaction; those committed before it stay."""
    monkeypatch.setattr(pipeline, "MAX_BATCH_IMAGES", 2)
    monkeypatch.setattr(pipeline, "TRANSACTION_CHUNKS", 2)
    calls, real = [], pipeline.import_chunk

    def import_chunk(items, totals, probed=None):
        real(items, totals, probed)
        calls.append(len(items))
        if len(calls) == failing_chunk:
            raise pipeline.FormatError("the disk is full")

    monkeypatch.setattr(pipeline, "import_chunk", import_chunk)
    with pytest.raises(pipeline.FormatError, match="the disk is full"):
        stream(md_file(tmp_path, [entry(i) for i in range(IMAGES)]))
    assert Image.objects.count() == stored


def test_a_deeply_nested_file_is_refused_at_once(tmp_path, folders):
    """50,000 levels inside one entry: refused with the reason, before any entry is read or written."""
    path = tmp_path / "deep.json"
    path.write_text('{"images": [{"file": "Hayfield/IMG_0.JPG", "detections": ' + "[" * 50_000 + "]" * 50_000 + "}]}")
    with pytest.raises(CommandError, match=f"nested more than {results_file.MAX_NESTING} levels deep"):
        run(str(path), "--create-locations")
    assert Image.objects.count() == 0 and Location.objects.count() == 1


def test_nesting_at_the_limit_is_read(tmp_path):
    """The limit refuses depth, not size: a document exactly MAX_NESTING deep is read."""
    inner = "[" * (results_file.MAX_NESTING - 2) + "]" * (results_file.MAX_NESTING - 2)  # under the top map and info
    path = tmp_path / "md.json"
    path.write_text('{"info": {"x": ' + inner + '}, "images": [{"file": "a.jpg"}]}')
    document = results_file.open_results(str(path), "images", "MegaDetector")()
    assert [entry["file"] for entry in document["images"]] == ["a.jpg"]


PROBED_IN = None  # a folder where probing_elsewhere notes the process that read each slice


def probing_elsewhere(files, first=0):
    """ingest.probe_files, noting its process id (run by the pool's worker processes)."""
    from detections.ingest import probe_files

    (PROBED_IN / f"{os.getpid()}-{first}-{len(files)}").touch()
    return probe_files(files, first)


def test_the_files_are_read_in_other_processes_with_the_same_outcome(tmp_path, settings, folders, monkeypatch):
    """A large import reads its files in a pool of processes, ahead of the chunk being written: what is
    stored, and what is rejected (naming the file and the reason), is what reading them here gives."""
    global PROBED_IN
    PROBED_IN = tmp_path / "probed"
    PROBED_IN.mkdir()
    monkeypatch.setattr(pipeline, "MAX_BATCH_IMAGES", 3)
    monkeypatch.setattr(pipeline, "POOL_MIN_IMAGES", 0)
    monkeypatch.setattr(pipeline, "PROBE_SLICE", 2)
    monkeypatch.setattr(pipeline, "probe_workers", lambda: 2)
    monkeypatch.setattr(pipeline, "probe_files", probing_elsewhere)
    (settings.IMAGE_ROOT / "Hayfield" / "IMG_3.JPG").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    entries = [entry(i) for i in range(IMAGES)] + [{**entry(0), "file": "Hayfield/IMG_missing.JPG"}]
    out, err = run(md_file(tmp_path, entries), "--create-locations")
    assert "imported 6 images with 6 detections; 0 already stored; 2 rejected" in out
    assert "rejected Hayfield/IMG_3.JPG: file: The image file is damaged and cannot be read" in err
    assert "rejected Hayfield/IMG_missing.JPG: file: No file 'Hayfield/IMG_missing.JPG' under the image root." in err
    pids = {int(name.split("-")[0]) for name in os.listdir(PROBED_IN)}
    assert pids and os.getpid() not in pids  # read elsewhere, two files a task
    assert {int(name.split("-")[2]) for name in os.listdir(PROBED_IN)} <= {1, 2}
    stored = Image.objects.get(file="Hayfield/IMG_4.JPG")
    assert (stored.width, stored.height, stored.exif["DateTimeOriginal"]) == (64, 48, "2024:10:15 06:30:04")
    assert stored.taken_at.isoformat() == "2024-10-15T11:30:04+00:00"  # 06:30:04 in Chicago (CDT)
    box = Detection.objects.get(image=stored)
    assert (box.bbox_x, box.bbox_y, box.bbox_width, box.bbox_height, box.location_id) == (
        6,
        5,
        32,
        24,
        stored.location_id,
    )


@pytest.mark.parametrize("chunk", [2, 5])
def test_the_queries_of_a_chunk_do_not_grow_with_its_images(tmp_path, folders, monkeypatch, chunk):
    """One query for the sha256s stored already, one write a table: the same for 2 images as for 5."""
    monkeypatch.setattr(pipeline, "MAX_BATCH_IMAGES", chunk)
    document = results_file.open_results(md_file(tmp_path, [entry(i) for i in range(5)]), "images", "MegaDetector")
    with CaptureQueriesContext(connection) as queries:
        _, totals = pipeline.import_stream(
            lambda conversion: megadetector.items(document(), conversion), pipeline.location_resolver("Hayfield")
        )
    assert totals["created"] == 5
    chunks = -(-5 // chunk)
    statements = [re.sub(r"^\d+ times: ", "", q["sql"]).lstrip().upper() for q in queries]  # executemany: once
    writes = [sql for sql in statements if sql.startswith("INSERT")]
    reads = [sql for sql in statements if sql.startswith("SELECT") and "SHA256" in sql]
    assert len(reads) == chunks
    if connection.vendor == "sqlite":  # COPY does not pass through the captured cursor
        assert len(writes) == 2 * chunks


def test_a_file_with_bare_nan_imports_the_rest_and_names_what_it_refused(tmp_path, folders, small_chunks):
    """Python's json writes NaN and Infinity bare; the file is streamed all the same and the images
    holding them are refused by name (the others are imported)."""
    entries = [entry(i) for i in range(5)]
    entries[1]["detections"][0]["conf"] = float("nan")
    entries[3]["detections"][0]["bbox"][0] = float("inf")
    path = md_file(tmp_path, entries)
    assert "NaN" in open(path).read() and "Infinity" in open(path).read()
    out, err = run(path, "--location", "Hayfield")
    assert "imported 3 images" in out and "2 rejected" in out
    assert "IMG_1.JPG" in err and "IMG_3.JPG" in err and "finite" in err
    assert sorted(Image.objects.values_list("filename", flat=True)) == ["IMG_0.JPG", "IMG_2.JPG", "IMG_4.JPG"]
