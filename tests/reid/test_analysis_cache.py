"""The stored analysis: served while the data is unchanged, recomputed when a run, a decision or a
new detection changes it, never shown as current once out of date; readable charts."""

import re

import pytest
from django.test import Client

from reid import analysis, analysis_cache
from reid.charts import LEFT, RIGHT, WIDTH, curves_svg, histogram_svg
from reid.models import AnalysisSnapshot, ReidRun
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


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda: ReidRun.objects.create(kind="live", status="completed", threshold=0.7), True),
        (lambda: factories.deer(sex="doe"), True),
        (lambda: factories.location("Elsewhere"), False),  # nothing the analysis reads
    ],
)
def test_the_data_version_follows_what_the_analysis_reads(scores, change, expected):
    before = analysis_cache.data_version()
    change()
    assert (analysis_cache.data_version() != before) == expected


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
