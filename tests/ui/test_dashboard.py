import pytest

from exports.models import ExportJob
from tests import factories

pytestmark = pytest.mark.django_db


def test_dashboard_shows_live_progress_of_my_jobs_only(client, alice, bob):
    mine = ExportJob.objects.create(kind="zip", requested_by=alice, total_count=10)
    mine.mark_running()
    mine.report_progress("writing", 40, processed_count=4)
    ExportJob.objects.create(kind="pdf", requested_by=bob)
    factories.detection(classification="buck")
    client.force_login(alice)
    response = client.get("/")
    jobs = response.context["recent_jobs"]
    assert [job.pk for job in jobs] == [mine.pk]
    assert jobs[0].progress_percent == 40 and jobs[0].state == "processing"
    assert b"40%" in response.content
    assert [row["effective_classification"] for row in response.context["by_class"]] == ["buck"]


def test_activity_of_the_last_30_days_per_class_and_site(client, alice):
    from datetime import timedelta

    from core.timeutil import day_start, local_today

    today = local_today()
    north, south = factories.location("North"), factories.location("South")
    at = lambda days_ago, hour=12: day_start(today - timedelta(days=days_ago)) + timedelta(hours=hour)  # noqa: E731
    factories.detection(factories.image(north, taken_at=at(0)), classification="doe")
    factories.detection(factories.image(north, taken_at=at(0, 13)), classification="doe")
    factories.detection(factories.image(south, taken_at=at(29)), classification="buck")
    factories.detection(factories.image(south, taken_at=at(30)), classification="buck")  # outside the window
    client.force_login(alice)
    activity = client.get("/").context["activity"]
    assert (activity["start"], activity["end"], activity["shifted"]) == (today - timedelta(days=29), today, False)
    by_class = {row["key"]: row for row in activity["by_class"]}
    assert (by_class["doe"]["total"], by_class["buck"]["total"]) == (2, 1)
    assert [bar["n"] for bar in by_class["doe"]["bars"]][-1] == 2 and len(by_class["doe"]["bars"]) == 30
    assert [bar["n"] for bar in by_class["buck"]["bars"]][0] == 1
    assert [(row["key"], row["total"]) for row in activity["by_site"]] == [("North", 2), ("South", 1)]


def test_recent_images_newest_first_with_their_detection_counts(client, alice):
    from datetime import UTC, datetime

    loc = factories.location("Creek")
    days = [5, 1, 9, 3]
    images = [factories.image(loc, taken_at=datetime(2024, 10, d, 6, tzinfo=UTC)) for d in days]
    factories.detection(images[2], classification="doe")
    factories.detection(images[2], classification="fawn")
    client.force_login(alice)
    rows = list(client.get("/").context["recent_images"])
    assert [row.taken_at.day for row in rows] == [9, 5, 3, 1]
    assert [row.n or 0 for row in rows] == [2, 0, 0, 0]
