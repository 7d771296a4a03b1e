"""core.bulk: insert_objects stores what bulk_create stores (COPY on PostgreSQL, one prepared statement
elsewhere); the data version sees the write."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from core import bulk, data_version
from detections.models import Detection, Image
from reid.selectors import matchable_detections
from tests import factories

pytestmark = pytest.mark.django_db

SKIP = {"id", "image_id", "sha256", "file", "filename", "created_at"}


def pair(loc, name):
    image = Image(
        location=loc,
        file=f"x/{name}.jpg",
        filename=f"{name}.jpg",
        sha256=name * 64 if len(name) == 1 else name,
        width=640,
        height=480,
        taken_at=datetime(2024, 10, 15, 6, 30, 1, 250000, tzinfo=UTC),
        exif={"Orientation": 6, "Make": "Reconyx", "DateTimeOriginal": "2024:10:15 01:30:01"},
        detector_model="md_v5a",
    )
    detection = Detection(
        image=image,
        location_id=loc.pk,
        taken_at=image.taken_at,
        bbox_x=1,
        bbox_y=2,
        bbox_width=30,
        bbox_height=40,
        confidence=0.875,
        classification="doe",
        classifier_score=0.5,
        model_label="white-tailed deer",
        embedding_model="m",
    )
    detection.set_embedding(factories.unit_vector(8), "m")
    return image, detection


def stored(model, pk):
    row = model.objects.filter(pk=pk).values().get()
    return {name: value for name, value in row.items() if name not in SKIP}


def test_insert_objects_stores_what_bulk_create_stores():
    loc = factories.location()
    fast_image, fast_detection = pair(loc, "a")
    slow_image, slow_detection = pair(loc, "b")
    bulk.insert_objects(Image, [fast_image])
    bulk.insert_objects(Detection, [fast_detection])
    Image.objects.bulk_create([slow_image])
    Detection.objects.bulk_create([slow_detection])
    assert stored(Image, fast_image.pk) == stored(Image, slow_image.pk)
    assert stored(Detection, fast_detection.pk) == stored(Detection, slow_detection.pk)
    again = Detection.objects.get(pk=fast_detection.pk)
    assert again.effective_classification == "doe" and again.created_at is not None
    assert again.get_embedding().shape == (8,)
    assert not fast_image._state.adding and Image.objects.get(pk=fast_image.pk).exif["Orientation"] == 6


def test_a_duplicate_row_is_an_integrity_error_and_nothing_is_kept():
    loc = factories.location()
    first, _ = pair(loc, "c")
    bulk.insert_objects(Image, [first])
    twin, _ = pair(loc, "c")
    other, _ = pair(loc, "d")
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_objects(Image, [other, twin])
    assert Image.objects.count() == 1


def test_the_data_version_sees_the_insert(monkeypatch):
    bumps = []
    monkeypatch.setattr(data_version, "bump", lambda: bumps.append(1))
    loc = factories.location()
    bumps.clear()
    image, _ = pair(loc, "e")
    bulk.insert_objects(Image, [image])
    assert bumps  # COPY bypasses the execute wrappers: core.bulk marks the write itself


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the session tunes SQLite only")


def cache_size():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


def deer_sightings(loc, count, start=0):
    images, detections = zip(*(pair(loc, f"{index:064x}") for index in range(start, start + count)), strict=True)
    bulk.insert_objects(Image, list(images))
    bulk.insert_objects(Detection, list(detections))
    return [d.pk for d in detections]


def statistics_rows(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND stat != '' LIMIT 1", [table])
        found = cursor.fetchone()
    return int(found[0].split()[0]) if found else None


@sqlite_only
def test_a_session_enlarges_the_page_cache_and_gives_it_back():
    before = cache_size()
    with bulk.BulkSession(Image, Detection):
        assert cache_size() == -bulk.SQLITE_BULK_CACHE_KIB
    assert cache_size() == before


@sqlite_only
def test_a_session_gathers_statistics_each_time_the_tables_double(monkeypatch):
    """After a big import the planner drives the re-ID marking by the 500 new primary keys, not by
    scanning every unassigned detection (deer_id IS NULL), which it takes for selective without them."""
    monkeypatch.setattr(bulk, "STATISTICS_MIN_ROWS", 100)
    loc = factories.location()
    if statistics_rows("detections_detection") is not None or statistics_rows("detections_image") is not None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl LIKE %s", ["detections_%"])
    with bulk.BulkSession(Image, Detection) as session:
        ids = deer_sightings(loc, 600)
        session.written(60)  # under the minimum
        assert statistics_rows("detections_detection") is None
        session.written(600)
        assert statistics_rows("detections_detection") == 600
        deer_sightings(loc, 400, start=600)
        session.written(1000)  # not yet doubled
        assert statistics_rows("detections_detection") == 600
        ids += deer_sightings(loc, 300, start=1000)
        session.written(1300)
        assert statistics_rows("detections_detection") == 1300 == statistics_rows("detections_image")
    query = matchable_detections().filter(id__in=ids[-50:]).values("id")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(row[-1] for row in cursor.fetchall())
    assert "sqlite_autoindex_detections_detection_1 (id=?)" in plan, plan


def test_a_session_changes_nothing_on_postgresql_but_works_everywhere():
    loc = factories.location()
    with bulk.BulkSession(Image, Detection) as session:
        deer_sightings(loc, 3)
        session.written(3)
    assert Detection.objects.count() == 3


def field_values(instance):
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields
        if not field.generated and field.attname != "id"
    }


def test_unsaved_makes_what_the_model_constructor_makes(django_assert_num_queries):
    loc = factories.location()
    image_values = {
        "location": loc,
        "file": "x/c.jpg",
        "filename": "c.jpg",
        "sha256": "c" * 64,
        "width": 640,
        "height": 480,
        "taken_at": datetime(2024, 10, 15, 6, 30, tzinfo=UTC),
        "exif": {"Orientation": 6},
        "detector_model": "md_v5a",
    }
    quick, slow = bulk.Unsaved(Image)(**image_values), Image(**image_values)
    assert field_values(quick) == field_values(slow)
    detection_values = {"location": loc, "confidence": 0.5, "classification": "animal", "bbox_x": 3}
    quick, slow = bulk.Unsaved(Detection)(**detection_values), Detection(**detection_values)
    assert field_values(quick) == field_values(slow)
    assert quick.location_id == loc.pk and quick.is_valid is True and quick.correction_notes == ""
    with django_assert_num_queries(0):
        assert quick.location is loc  # the related object is cached as the descriptor caches it
    assert quick._state.adding and quick._state.db is None


def test_unsaved_calls_a_callable_default_for_each_instance_and_saves_like_any_instance():
    loc = factories.location()
    make = bulk.Unsaved(Image)
    first, second = (
        make(
            location=loc,
            file=f"x/{n}.jpg",
            filename=f"{n}.jpg",
            sha256=n * 64,
            width=4,
            height=3,
            taken_at=datetime(2024, 10, 15, tzinfo=UTC),
        )
        for n in "de"
    )
    assert first.id != second.id and first.exif == {} and first.exif is not second.exif
    first.save()
    assert Image.objects.get(pk=first.pk).location == loc and Image.objects.get(pk=first.pk).status == "completed"


def test_unsaved_refuses_what_is_not_a_field():
    with pytest.raises(TypeError, match="no field 'colour'"):
        bulk.Unsaved(Detection)(colour="red")


def test_unsaved_lets_init_signal_receivers_see_every_instance():
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Detection)
    try:
        made = bulk.Unsaved(Detection)(confidence=0.5, classification="animal")
    finally:
        post_init.disconnect(receiver, sender=Detection)
    assert seen == [made]


def test_unsaved_does_not_run_the_model_constructor(monkeypatch):
    """The point of it: no receiver listens, so Model.__init__ is never called."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("Model.__init__ ran")

    monkeypatch.setattr(Detection, "__init__", refuse)
    made = bulk.Unsaved(Detection)(confidence=0.5, classification="animal")
    assert (made.confidence, made.classification, made.is_reviewed) == (0.5, "animal", False)
