"""manage.py reid_match, reid_backfill and reid_analysis."""

import csv

import pytest
from django.core.management import CommandError, call_command

from detections.models import Detection
from reid.models import Deer, ReidRun, SimilarityScore
from tests import factories
from tests.reid.helpers import hours, latent, sighting

pytestmark = pytest.mark.django_db


@pytest.fixture
def sightings(settings):
    loc = factories.location()
    dets = [sighting(loc, hours(i), latent(1 + i % 3)) for i in range(9)]  # three does, three sightings each
    with open(settings.GROUND_TRUTH_PATH, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["detection_id", "individual_id", "sex"])
        writer.writerows((d.id, f"D{i % 3}", "doe") for i, d in enumerate(dets))
    return dets


def test_reid_match_matches_unassigned_and_reports(sightings, capsys):
    call_command("reid_match")
    out = capsys.readouterr().out
    assert "9 detections, 9 attempts -> 9 detections linked, 3 new profiles, 0 queued for review" in out
    assert Deer.objects.count() == 3


def test_reid_match_dry_run_and_threshold(sightings, capsys):
    call_command("reid_match", "--dry-run", "--threshold", "0.9")
    assert "dry run" in capsys.readouterr().out and not Deer.objects.exists()
    with pytest.raises(CommandError, match="--threshold must be in"):
        call_command("reid_match", "--threshold", "1.5")


def test_reid_match_reset_rematches_from_scratch(sightings, capsys):
    call_command("reid_match")
    named = Deer.objects.first()
    named.name = "Keep me"
    named.save()
    call_command("reid_match", "--reset", "--threshold", "0.99")
    out = capsys.readouterr().out
    assert "Reset: 9 detections unlinked, 2 empty profiles deleted." in out
    assert Deer.objects.filter(name="Keep me").exists()
    assert not Detection.objects.filter(deer=None).exists()


def test_backfill_then_analysis_prints_the_table(sightings, capsys):
    call_command("reid_match")
    call_command("reid_backfill")
    out = capsys.readouterr().out
    assert "9 / 9 detections (100%)" in out and "27 scores logged" in out
    run = ReidRun.objects.get(kind="backfill")
    assert SimilarityScore.objects.filter(run=run).count() == 27
    call_command("reid_analysis")
    out = capsys.readouterr().out
    assert "ground truth: file (9 labelled attempts)" in out
    lines = [line for line in out.splitlines() if line.startswith(" 0.")]
    assert [line.split()[0] for line in lines] == [f"{0.30 + 0.05 * i:.2f}" for i in range(14)]
    assert "Recommended threshold:" in out


def test_backfill_queue_mode(sightings, capsys, django_capture_on_commit_callbacks, run_jobs):
    call_command("reid_match")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reid_backfill", "--queue")
    assert "queued" in capsys.readouterr().out
    run_jobs()
    assert ReidRun.objects.get(kind="backfill").status == "completed"


def test_analysis_without_scores_is_a_clear_error():
    with pytest.raises(CommandError, match="run a backfill"):
        call_command("reid_analysis")


def test_attempt_rows_agree_with_the_similarity_log(sightings):
    import numpy as np

    from reid.analysis import _load_attempts_from_scores, load_attempts
    from reid.models import ReidAttempt

    call_command("reid_match")
    call_command("reid_backfill")
    run = ReidRun.objects.get(kind="backfill")
    assert ReidAttempt.objects.filter(run=run).count() == 9
    fast, slow = load_attempts(run), _load_attempts_from_scores(run)
    order_fast, order_slow = np.argsort([str(i) for i in fast["ids"]]), np.argsort([str(i) for i in slow["ids"]])
    np.testing.assert_allclose(fast["best"][order_fast], slow["best"][order_slow])
    np.testing.assert_allclose(fast["second"][order_fast], slow["second"][order_slow])
    assert [str(x) for x in np.array(fast["best_deer"], dtype=object)[order_fast]] == [
        str(x) for x in np.array(slow["best_deer"], dtype=object)[order_slow]
    ]
    assert list(fast["classes"][order_fast]) == list(slow["classes"][order_slow])
