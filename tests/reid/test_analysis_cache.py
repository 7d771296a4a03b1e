"""The stored analysis: served while the data is unchanged, recomputed when a run, a decision or a
new detection changes it, never shown as current once out of date; readable charts."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from detections.models import Detection
from reid import analysis, analysis_cache
from reid.charts import LEFT, RIGHT, WIDTH, curves_svg, histogram_svg
from reid.models import AnalysisSnapshot, Deer, MatchLock, ReidAttempt, ReidRun, SimilarityScore
from tests import factories
from tests.reid.helpers import hours, latent, sighting

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = analysis.analyse

    def analyse(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis_cache, "analyse", analyse)
    return calls


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_api_serves_the_stored_analysis_until_the_data_changes(alice_client, scores, counted):
    first = alice_client.get("/api/reid/analysis").json()
    again = alice_client.get("/api/reid/analysis").json()
    assert len(counted) == 1 and first == again and first["recommended_threshold"] == 0.95
    assert "computed_at" in first
    sighting(factories.location(), hours(30), latent(7))  # a new detection: the analysis reads detections
    alice_client.get("/api/reid/analysis")
    assert len(counted) == 2
    other_step = alice_client.get("/api/reid/analysis?step=0.1").json()  # its own snapshot
    assert len(counted) == 3 and other_step["thresholds"][1]["threshold"] == pytest.approx(0.4)


def _store_a_snapshot():
    AnalysisSnapshot.objects.create(key="other", data_version="x", computed_at=timezone.now())
    AnalysisSnapshot.objects.filter(key="other").update(data_version="y")


def _log_scores_and_attempts(scores):
    score = scores.scores.first()
    SimilarityScore.objects.create(
        run=score.run,
        detection=score.detection,
        deer=score.deer,
        score=0.3,
        rank=9,
        sex_match=True,
        matched=False,
        threshold_used=0.7,
    )
    ReidAttempt.objects.create(run=score.run, detection=score.detection, classification="doe", best_score=0.3)
    SimilarityScore.objects.filter(detection__location=score.detection.location, rank=9).delete()  # a join
    MatchLock.objects.get_or_create(key="matching")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda scores: ReidRun.objects.create(kind="live", status="completed", threshold=0.7), True),
        (lambda scores: factories.deer(sex="doe"), True),
        (lambda scores: Deer.objects.filter(pk=scores.scores.first().deer_id).update(notes="seen"), True),
        # Any write to the detection and re-ID data counts (core.data_version), even one the analysis does not read.
        (lambda scores: factories.location("Elsewhere"), True),
        # What is derived from the data does not: the snapshots themselves, logged scores and attempts, lock rows,
        # a run still running (a job row).
        (lambda scores: _store_a_snapshot(), False),
        (_log_scores_and_attempts, False),
        (lambda scores: ReidRun.objects.create(kind="live", status="running", threshold=0.7), False),
    ],
)
def test_the_data_version_follows_what_the_analysis_reads(scores, change, expected):
    before = analysis_cache.data_version()
    change(scores)
    assert (analysis_cache.data_version() != before) == expected


def test_a_stored_snapshot_stays_current_until_a_detection_or_profile_changes(scores, counted):
    snapshot = analysis_cache.current()
    assert snapshot.data_version == analysis_cache.data_version()  # storing it did not make it stale
    assert analysis_cache.current() == snapshot and len(counted) == 1
    factories.deer(sex="buck")  # a new profile
    assert analysis_cache.current().data_version != snapshot.data_version and len(counted) == 2
    detection = scores.scores.first().detection
    Detection.objects.filter(pk=detection.pk).update(classification="buck")  # a corrected detection
    analysis_cache.current()
    assert len(counted) == 3


def test_without_redis_nothing_stored_is_served_as_current(alice_client, scores, counted, redis_down):
    assert analysis_cache.data_version() == ""
    alice_client.get("/api/reid/analysis")
    answer = alice_client.get("/api/reid/analysis")
    assert answer.status_code == 200 and len(counted) == 2  # computed afresh each time, as reports are


def test_a_reviewer_decision_changes_the_data_version(bob, scores):
    from reid import review
    from reid.models import ReviewItem

    item = ReviewItem.objects.create(detection=scores.scores.first().detection, candidates=[])
    before = analysis_cache.data_version()
    review.unidentifiable(item, bob)
    assert analysis_cache.data_version() != before


def test_the_page_marks_an_out_of_date_analysis_and_recomputes_it_in_the_background(alice, scores, run_jobs, counted):
    client = signed_in(alice)
    html = client.get("/reid/analysis/").content.decode()
    assert "Computed " in html and "from the current data" in html and len(counted) == 1
    sighting(factories.location(), hours(30), latent(7))
    html = client.get("/reid/analysis/").content.decode()
    assert "Out of date:" in html and "from the current data" not in html and len(counted) == 1
    run_jobs()  # the refresh job
    assert len(counted) == 2
    html = client.get("/reid/analysis/").content.decode()
    assert "from the current data" in html and len(counted) == 2


def test_recompute_needs_a_reviewer_and_recomputes(alice, bob, scores, run_jobs, counted):
    signed_in(bob).get("/reid/analysis/")
    assert signed_in(alice).post("/reid/analysis/recompute").status_code == 403
    assert signed_in(bob).post("/reid/analysis/recompute").status_code == 302
    assert AnalysisSnapshot.objects.get().data_version == ""  # out of date until the job ran
    run_jobs()
    assert len(counted) == 2 and AnalysisSnapshot.objects.get().data_version == analysis_cache.data_version()


def test_nothing_to_analyse_is_stored_as_the_message(alice_client, counted):
    answer = alice_client.get("/api/reid/analysis")
    assert answer.status_code == 404 and "run a backfill" in answer.json()["detail"]
    assert alice_client.get("/api/reid/analysis").status_code == 404 and len(counted) == 1


def test_charts_have_readable_text_a_y_axis_and_the_legend_outside_the_plot():
    rows = [{"threshold": t / 10, "precision": 0.9, "recall": t / 10, "f1": 0.5} for t in range(3, 10)]
    svg = curves_svg(rows, {"precision": "precision", "recall": "recall", "f1": "F1"}, "Pairwise")
    sizes = [int(v) for v in re.findall(r'font-size="(\d+)"', svg)]
    assert sizes and min(sizes) >= 11
    assert "share (0–1)" in svg and ">1.00<" in svg and ">0.00<" in svg  # the y-axis and its ticks
    legend_x = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*class="legend', svg)]
    assert len(legend_x) == 3 and min(legend_x) > WIDTH - RIGHT
    plot_x = [float(x) for p in re.findall(r'points="([^"]+)"', svg) for x in re.findall(r"([\d.]+),", p)]
    assert max(plot_x) <= WIDTH - RIGHT and min(plot_x) >= LEFT
    bars = histogram_svg([{"from": i / 20, "to": (i + 1) / 20, "count": i} for i in range(20)], "Best per attempt")
    assert min(int(v) for v in re.findall(r'font-size="(\d+)"', bars)) >= 11 and "attempts" in bars
