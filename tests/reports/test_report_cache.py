"""reports.cache and core.data_version: a repeated report comes from the cache, and every kind of
write (save, delete, QuerySet.update, bulk_create, a deer, a correction) makes it recompute."""

import pytest
from django.db import connection, transaction

from core import data_version
from detections.models import Detection, Image
from reid.models import Deer
from reports import cache
from tests import factories

pytestmark = pytest.mark.usefixtures("redis_answers")

URL = "/api/reports/activity"
QUERY = {"start_date": "2024-10-01", "end_date": "2024-10-31"}


@pytest.fixture
def counted_builds(monkeypatch):
    """Counts the activity reports actually built (not read from the cache)."""
    from reports.api import views

    calls = []
    original = views.build_activity_report

    def build(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "build_activity_report", build)
    return calls


@pytest.fixture
def feeder(db, chicago):
    from tests.reports.conftest import local

    loc = factories.location("Feeder")
    image = factories.image(loc, taken_at=local(2024, 10, 3, 6, 0), write_file=False)
    factories.detection(image, "doe")
    return loc, image


def total(client):
    return client.get(URL, QUERY).json()["summary"]["total_detections"]


def test_a_repeated_report_is_read_from_the_cache(feeder, alice_client, counted_builds):
    assert total(alice_client) == 1
    assert total(alice_client) == 1
    assert len(counted_builds) == 1
    alice_client.get(URL, {**QUERY, "group_by": "week"})
    assert len(counted_builds) == 2  # other parameters, another entry


def test_every_write_path_invalidates(feeder, alice_client, counted_builds):
    from tests.reports.conftest import local

    loc, image = feeder
    assert total(alice_client) == 1
    factories.detection(image, "buck")  # save()
    assert total(alice_client) == 2
    Detection.objects.filter(classification="buck").update(is_valid=False)  # QuerySet.update
    assert total(alice_client) == 1
    other = factories.image(loc, taken_at=local(2024, 10, 4, 6, 0), write_file=False)
    Detection.objects.bulk_create(  # bulk_create
        [
            Detection(
                image=other,
                location=loc,
                taken_at=other.taken_at,
                classification="fawn",
                confidence=0.9,
                bbox_x=0,
                bbox_y=0,
                bbox_width=5,
                bbox_height=5,
            )
        ]
    )
    assert total(alice_client) == 2
    Image.objects.filter(pk=other.pk).delete()  # cascade delete
    assert total(alice_client) == 1
    before = len(counted_builds)
    Deer.objects.create(sex="doe")  # a deer: the report's individuals may change
    total(alice_client)
    assert len(counted_builds) == before + 1


def test_a_write_counts_when_its_transaction_commits(transactional_db, chicago, counted_builds):
    version = data_version.current()
    with transaction.atomic():
        factories.location("Creek")
        assert data_version.current() == version  # not yet: readers still see the old data
    assert int(data_version.current()) == int(version) + 1  # once per transaction, after the commit
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.location("Pond")
        raise RuntimeError("rolled back")
    assert int(data_version.current()) == int(version) + 1


def test_reads_do_not_invalidate(feeder, alice_client, counted_builds):
    total(alice_client)
    Detection.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    total(alice_client)
    assert len(counted_builds) == 1


def test_without_redis_reports_are_computed_every_time(feeder, alice_client, counted_builds, redis_down):
    assert total(alice_client) == 1
    assert total(alice_client) == 1
    assert len(counted_builds) == 2


def test_keys_depend_on_parameters_and_version():
    assert cache.cache_key("activity", {"a": 1, "b": 2}, "7") == cache.cache_key("activity", {"b": 2, "a": 1}, "7")
    assert cache.cache_key("activity", {"a": 1}, "7") != cache.cache_key("activity", {"a": 1}, "8")
    assert cache.cache_key("activity", {"a": 1}, "7") != cache.cache_key("overlap", {"a": 1}, "7")


def test_a_write_while_redis_is_away_is_made_up_for(feeder, monkeypatch):
    version = int(data_version.current())
    working = data_version.connection
    monkeypatch.setattr(data_version, "connection", lambda: (_ for _ in ()).throw(ConnectionError("down")))
    factories.location("Pond")  # the bump fails: remembered
    assert data_version.current() is None
    monkeypatch.setattr(data_version, "connection", working)
    monkeypatch.setattr(data_version, "_down_until", 0.0)  # the retry pause has passed
    assert int(data_version.current()) == version + 1
