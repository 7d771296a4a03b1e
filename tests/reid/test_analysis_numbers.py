"""The threshold analysis on a small hand-built score set, checked number by number."""

import pytest
from django.core.management import call_command

from reid.analysis import analyse
from reid.backfill import run_backfill
from reid.services import run_matching
from tests.reid.helpers import by_hand

pytestmark = pytest.mark.django_db


def row(result, threshold):
    return next(r for r in result["thresholds"] if abs(r["threshold"] - threshold) < 1e-9)


def test_counts_per_threshold(scores):
    result = analyse()
    assert result["attempts"] == 4 and result["scores_logged"] == 7
    at70, at65 = row(result, 0.70), row(result, 0.65)
    assert (at70["assigned"], at70["assignment_rate"], at70["new_profiles"], at70["near_misses"]) == (3, 0.75, 1, 0)
    assert (at65["assigned"], at65["near_misses"]) == (3, 1)
    assert row(result, 0.30)["assigned"] == 4 and row(result, 0.95)["assigned"] == 0
    assert [r["threshold"] for r in result["thresholds"]][:3] == [0.3, 0.35, 0.4] and result["thresholds"][-1][
        "threshold"
    ] == 0.95
    assert at70["by_sex"] == {"buck": {"attempts": 2, "assigned": 1}, "doe": {"attempts": 2, "assigned": 2}}


def test_histogram_and_margin(scores):
    result = analyse()
    assert [(h["from"], h["count"]) for h in result["histogram"]] == [
        (0.4, 1),
        (0.45, 0),
        (0.5, 1),
        (0.55, 0),
        (0.6, 1),
        (0.65, 1),
        (0.7, 1),
        (0.75, 0),
        (0.8, 1),
        (0.85, 0),
        (0.9, 1),
    ]
    assert result["margin"]["count"] == 3 and result["margin"]["median"] == pytest.approx(0.39, abs=1e-4)
    assert result["per_sex"]["doe"]["attempts"] == 2


def test_precision_recall_f1_come_from_replaying_matching(three_does):
    # seed_demo's state: matched at the default 0.70 (A and B profiles, C queued), then a backfill
    run_matching()
    run_backfill()
    result = analyse()
    assert result["ground_truth"] == "file" and result["labelled_attempts"] == 5  # C's two are not assigned
    assert result["replay"]["detections"] == 7 and result["replay"]["labelled_detections"] == 7
    assert result["replay"]["individuals"] == 3 and result["replay"]["sampled"] is False
    dets, labels = three_does
    for threshold, groups in [
        (0.70, [[0, 1, 4], [2, 5]]),
        (0.60, [[0, 1, 3, 4, 6], [2, 5]]),
        (0.45, [[0, 1, 2, 3, 4, 5, 6]]),
    ]:
        p, r, f = by_hand(dets, labels, groups)
        at = row(result, threshold)
        assert (at["precision"], at["recall"], at["f1"], at["profiles"]) == (
            round(p, 4),
            round(r, 4),
            round(f, 4),
            len(groups),
        )
    # F1 0.8889 from 0.65 up (C queued, nothing merged), 0.625 from 0.51 (C merged into A), 0.3846 below:
    # the highest of the equal safe thresholds
    assert result["recommended_threshold"] == 0.95
    assert result["recommended"]["f1"] == 0.8889 and result["recommended"]["worst_within_0_02"] == 0.8889
    assert [c["threshold"] for c in result["replay"]["curve"]] == [round(0.30 + 0.01 * i, 2) for i in range(66)]


def test_without_ground_truth_there_is_no_recommendation(scores, settings):
    settings.GROUND_TRUTH_PATH.unlink()
    result = analyse()
    assert result["ground_truth"] is None and result["recommended_threshold"] is None
    assert "precision" not in row(result, 0.7) and "ground truth" in result["recommendation_note"]


def test_api_and_command_give_the_same_numbers(scores, alice_client, capsys):
    body = alice_client.get("/api/reid/analysis").json()
    assert body["recommended_threshold"] == 0.95 and row(body, 0.70)["assigned"] == 3
    assert {"precision", "recall", "f1", "profiles", "largest", "linked"} <= set(row(body, 0.70))
    assert (
        body["replay"]["detections"] == 4 and body["replay"]["individuals"] == 2 and len(body["replay"]["curve"]) == 66
    )
    assert body["recommended"]["profiles"] == 2 and body["recommended"]["best_f1"] == 1.0
    assert alice_client.get("/api/reid/analysis?step=0.1").json()["thresholds"][1]["threshold"] == 0.4
    assert alice_client.get("/api/reid/analysis?step=zero").status_code == 400
    assert alice_client.get("/api/reid/analysis?run=00000000-0000-4000-8000-000000000000").status_code == 400
    call_command("reid_analysis")
    out = capsys.readouterr().out
    assert "Recommended threshold: 0.95 (F1 1.000, precision 1.000, recall 1.000, 2 profiles, largest 2" in out
    assert "matching replayed from scratch" in out and "on 4 detections, 4 labelled, 2 individuals" in out
    line = next(line for line in out.splitlines() if line.startswith(" 0.70"))
    assert line.split()[:11] == ["0.70", "3", "75.0%", "1", "0", "0.39", "1.000", "1.000", "1.000", "2", "2"]


def test_no_scores_is_a_clear_404(alice_client):
    answer = alice_client.get("/api/reid/analysis")
    assert answer.status_code == 404 and "reid_backfill" in answer.json()["detail"]
