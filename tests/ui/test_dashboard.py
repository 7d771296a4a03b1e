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
