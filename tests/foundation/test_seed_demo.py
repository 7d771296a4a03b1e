import csv
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from PIL import Image as PILImage

from demo.ground_truth import INDIVIDUALS
from demo.ranch import OTHER_SPECIES, generate_ranch
from detections.models import Detection, DetectionCorrection, Image, Location

pytestmark = pytest.mark.django_db

END = date(2024, 12, 31)


@pytest.fixture(scope="module")
def ranch_files(tmp_path_factory):
    """File roots shared by the module's tests: the ranch's JPEGs and ground truth are written once."""
    root = tmp_path_factory.mktemp("ranch")
    roots = {
        "IMAGE_ROOT": root / "images",
        "EXPORT_ROOT": root / "exports",
        "GROUND_TRUTH_PATH": root / "ground_truth.csv",
    }
    roots["IMAGE_ROOT"].mkdir()
    roots["EXPORT_ROOT"].mkdir()
    return roots


@pytest.fixture(autouse=True)
def file_roots(settings, ranch_files):
    """(Overrides the per-test roots of tests/conftest.py with the module's.)"""
    for name, path in ranch_files.items():
        setattr(settings, name, path)
    return settings


@pytest.fixture(scope="module")
def ranch(django_db_setup, django_db_blocker, ranch_files):
    """One 900-image ranch for the module, generated once inside a transaction that is rolled back
    after the module's last test. Each test still runs in its own savepoint inside it, so a test
    that changes rows (test_same_seed_gives_the_same_ranch) changes them for itself only."""
    with override_settings(**ranch_files), django_db_blocker.unblock(), transaction.atomic():
        yield generate_ranch(images=900, seed=3, end=END)
        transaction.set_rollback(True)


def test_ranch_has_six_sites_a_year_of_real_jpegs(ranch):
    assert Location.objects.count() == 6
    assert not Location.objects.filter(latitude=None).exists()
    assert Image.objects.count() == 900 == ranch.images
    first, last = Image.objects.order_by("taken_at").first(), Image.objects.order_by("taken_at").last()
    tz = ZoneInfo(settings.TIME_ZONE)
    assert last.taken_at.astimezone(tz).date() <= END
    assert (END - first.taken_at.astimezone(tz).date()).days > 300
    with PILImage.open(first.path) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (first.width, first.height)
        exif_dt = picture.getexif().get_ifd(0x8769)[0x9003]
    assert exif_dt == first.taken_at.astimezone(tz).strftime("%Y:%m:%d %H:%M:%S")


def test_ranch_patterns(ranch):
    tz = ZoneInfo(settings.TIME_ZONE)
    bucks = Detection.objects.filter(classification="buck", is_duplicate=False)
    months = Counter(d.astimezone(tz).month for d in bucks.values_list("taken_at", flat=True))
    rut = (months[10] + months[11]) / 2
    rest = sum(n for m, n in months.items() if m not in (10, 11)) / 10
    assert rut > 1.8 * rest  # rut peak of buck activity in Oct–Nov
    hours = Counter(d.astimezone(tz).hour for d in Detection.objects.values_list("taken_at", flat=True))
    crepuscular = sum(hours[h] for h in (6, 7, 18, 19))
    midday = sum(hours[h] for h in (11, 12, 13, 14))
    assert crepuscular > 3 * midday
    classes = set(Detection.objects.values_list("classification", flat=True))
    assert {"buck", "doe", "fawn", "unknown"} <= classes
    assert classes & set(OTHER_SPECIES)
    assert Detection.objects.filter(is_duplicate=True).exists()
    assert Detection.objects.filter(is_valid=False).exists()
    assert DetectionCorrection.objects.exists()


def test_bursts_hold_two_to_five_images_seconds_apart(ranch):
    sizes = Counter()
    spans = {}
    for burst, _image_id, taken in Detection.objects.order_by().values_list("burst", "image_id", "taken_at").distinct():
        sizes[burst] += 1
        lo, hi = spans.get(burst, (taken, taken))
        spans[burst] = (min(lo, taken), max(hi, taken))
    assert max(sizes.values()) <= 5
    assert all((hi - lo).total_seconds() <= 20 for lo, hi in spans.values())


def test_ground_truth_and_embeddings_carry_identity(ranch):
    with open(settings.GROUND_TRUTH_PATH) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == ranch.ground_truth_rows > 0
    assert len({r["individual_id"] for r in rows}) <= sum(INDIVIDUALS.values())
    truth = {r["detection_id"]: r["individual_id"] for r in rows}
    dets = {str(d.id): d.get_embedding() for d in Detection.objects.exclude(embedding=None)}
    assert set(truth) == set(dets)
    ids = list(truth)[:300]
    matrix = np.stack([dets[i] for i in ids])
    sims = matrix @ matrix.T
    same = np.array([[truth[a] == truth[b] for b in ids] for a in ids])
    off_diagonal = ~np.eye(len(ids), dtype=bool)
    assert sims[same & off_diagonal].mean() > sims[~same].mean() + 0.2


def test_same_seed_gives_the_same_ranch(ranch):
    """Determinism per seed, checked on a smaller ranch generated twice (the module's stays as it is
    for the other tests: this test runs in its own savepoint)."""
    Detection.objects.all().delete()
    Image.objects.all().delete()
    first_ranch = generate_ranch(images=120, seed=5, end=END)
    first = sorted(Detection.objects.values_list("id", "classification", "taken_at"))
    Detection.objects.all().delete()
    Image.objects.all().delete()
    again = generate_ranch(images=120, seed=5, end=END)
    assert len(first) > 120 and sorted(Detection.objects.values_list("id", "classification", "taken_at")) == first
    assert again.by_class == first_ranch.by_class


def test_seed_demo_command_refuses_a_second_run_and_skips_with_if_empty(ranch, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", "--images", "10", "--no-reid")
    call_command("seed_demo", "--if-empty")
    assert "already exist" in capsys.readouterr().out
