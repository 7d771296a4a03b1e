import pytest

from exports import status
from exports.models import ExportJob
from tests import factories

pytestmark = pytest.mark.django_db


def test_dashboard_shows_live_progress_of_my_jobs_only(client, alice, bob):
    mine = ExportJob.objects.create(kind="zip", requested_by=alice)
    status.create(mine.id, "zip", alice.id, total_count=10)
    status.update(mine.id, processed_count=4, progress_percent=40, stage="writing")
    ExportJob.objects.create(kind="pdf", requested_by=bob)
    factories.detection(classification="buck")
    client.force_login(alice)
    response = client.get("/")
    jobs = response.context["recent_jobs"]
    assert [job["row"].pk for job in jobs] == [mine.pk]
    assert jobs[0]["doc"]["progress_percent"] == 40
    assert b"40%" in response.content
    assert [row["effective_classification"] for row in response.context["by_class"]] == ["buck"]
