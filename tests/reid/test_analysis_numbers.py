"""The threshold analysis on a small hand-built score set, checked number by number."""
import pytest
from django.core.management import call_command

from reid.analysis import analyse

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
    assert [r["threshold"] for r in result["thresholds"]][:3] == [0.3, 0.35, 0.4] and result["thresholds"][-1]["threshold"] == 0.95
    assert at70["by_sex"] == {"buck": {"attempts": 2, "assigned": 1}, "doe": {"attempts": 2, "assigned": 2}}


def test_histogram_and_margin(scores):
    result = analyse()
    assert [(h["from"], h["count"]) for h in result["histogram"]] == [
        (0.4, 1), (0.45, 0), (0.5, 1), (0.55, 0), (0.6, 1), (0.65, 1), (0.7, 1), (0.75, 0), (0.8, 1), (0.85, 0),
        (0.9, 1)]
    assert result["margin"]["count"] == 3 and result["margin"]["median"] == pytest.approx(0.39, abs=1e-4)
    assert result["per_sex"]["doe"]["attempts"] == 2


def test_precision_recall_f1_and_recommendation(scores):
    result = analyse()
    assert result["ground_truth"] == "file" and result["labelled_attempts"] == 4
    at70 = row(result, 0.70)
    # genuine trials 0.91 0.655 0.81 (m4's own deer is not among its candidates); impostors 0.52 0.72 0.41 0.61
    assert (at70["tp"], at70["fp"], at70["precision"], at70["recall"], at70["f1"]) == (2, 1, 0.6667, 0.5, 0.5714)
    at60 = row(result, 0.60)
    assert (at60["tp"], at60["fp"], at60["precision"], at60["recall"], at60["f1"]) == (3, 2, 0.6, 0.75, 0.6667)
    assert row(result, 0.75)["f1"] == 0.6667
    # F1 0.75 for 0.62..0.65: the highest of them is recommended
    assert result["recommended_threshold"] == 0.65
    assert result["recommended"]["f1"] == 0.75


def test_without_ground_truth_there_is_no_recommendation(scores, settings):
    settings.GROUND_TRUTH_PATH.unlink()
    result = analyse()
    assert result["ground_truth"] is None and result["recommended_threshold"] is None
    assert "precision" not in row(result, 0.7) and "ground truth" in result["recommendation_note"]


def test_api_and_command_give_the_same_numbers(scores, alice_client, capsys):
    body = alice_client.get("/api/reid/analysis").json()
    assert body["recommended_threshold"] == 0.65 and row(body, 0.70)["assigned"] == 3
    assert alice_client.get("/api/reid/analysis?step=0.1").json()["thresholds"][1]["threshold"] == 0.4
    assert alice_client.get("/api/reid/analysis?step=zero").status_code == 400
    assert alice_client.get("/api/reid/analysis?run=00000000-0000-4000-8000-000000000000").status_code == 400
    call_command("reid_analysis")
    out = capsys.readouterr().out
    assert "Recommended threshold: 0.65 (F1 0.750" in out
    assert " 0.70         3   75.0%       1      0" in out


def test_no_scores_is_a_clear_404(alice_client):
    answer = alice_client.get("/api/reid/analysis")
    assert answer.status_code == 404 and "reid_backfill" in answer.json()["detail"]
