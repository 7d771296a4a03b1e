"""Benchmark: every staff list page on 1,000,000 detections (PostgreSQL): the detections page (as
opened, filtered by class with the form's empty fields, sorted by confidence, a deep page, file name
search), the deer gallery, the exports list and the re-ID review queue.

Server time is measured in-process (Django test client: routing, session auth, queries, template
rendering; no network), p50/p99 of --repeats requests. The baseline, measured in the same run, is
the page's bare data: the same rows fetched by the ORM with no template, count or statistics, so
the ratio says what the page costs beyond reading its rows. Target: p99 <= 300 ms.

Uses the database helpers of bench/detections_list.py and the request timing of
bench/exports_common.py (time_requests), with a database of its own (herdbook_bench_list_pages;
seeded when missing, kept and reused with --keep):

    .venv/bin/python bench/list_pages.py --keep
    .venv/bin/python bench/list_pages.py --detections 50000 --repeats 5   # quick check
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import detections_list  # noqa: E402
from detections_list import drop_database, ensure_database, prepare_environment  # noqa: E402
from exports_common import bench_user, get_ok, seed, signed_in_client, start_redis, time_requests  # noqa: E402

detections_list.DB_NAME = "herdbook_bench_list_pages"  # its own database: detections_list.py drops its own

TARGET_MS = 300.0
N_DEER = 2000
N_REVIEW_ITEMS = 500
N_EXPORTS = 50


def seed_extras(user):
    """Deer linked to every 50th detection, pending review items and a user's exports (idempotent)."""
    from django.db import connection

    from detections.models import Detection
    from exports.models import ExportJob
    from reid.models import Deer, ReviewItem

    if not Deer.objects.exists():
        Deer.objects.bulk_create(
            Deer(name=f"Bench {i:04d}", sex=("buck", "doe", "fawn")[i % 3], sighting_count=i) for i in range(N_DEER)
        )
        ids = list(Deer.objects.values_list("id", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE detections_detection d SET deer_id = (%s::uuid[])[1 + (abs(hashtext(d.id::text)) %% %s)] "
                "WHERE abs(hashtext(d.id::text)) %% 50 = 0",
                [[str(i) for i in ids], len(ids)],
            )
            cursor.execute("ANALYZE")
    if not ReviewItem.objects.exists():
        picked = Detection.objects.order_by("-taken_at").values_list("id", flat=True)[:N_REVIEW_ITEMS]
        deer = list(Deer.objects.values_list("id", flat=True)[:3])
        ReviewItem.objects.bulk_create(
            ReviewItem(
                detection_id=pk,
                member_ids=[str(pk)],
                best_score=0.6,
                candidates=[{"deer_id": str(d), "score": 0.6 - k / 10} for k, d in enumerate(deer)],
            )
            for pk in picked
        )
    if not ExportJob.objects.filter(requested_by=user).exists():
        ExportJob.objects.bulk_create(
            ExportJob(kind="zip", requested_by=user, params={"detection_ids": []}, total_count=i)
            for i in range(N_EXPORTS)
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the benchmark database")
    args = parser.parse_args()

    server = prepare_environment()
    ensure_database(server, drop_first=False)
    redis, os.environ["REDIS_URL"] = start_redis(os.environ["IMAGE_ROOT"])  # the exports list reads job status
    try:
        return measure(args, server)
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def measure(args, server):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from detections import selectors as detection_selectors
    from detections.models import Detection, Location
    from exports.models import ExportJob
    from reid import selectors as reid_selectors

    call_command("migrate", verbosity=0)
    total = seed(args.detections)
    user = bench_user("bench-reviewer", group="reviewer")
    seed_extras(user)
    with connection.cursor() as cursor:  # what autovacuum does in production: visibility map, statistics
        cursor.execute("VACUUM (ANALYZE) detections_detection, detections_image")
    client = signed_in_client(user)
    location = Location.objects.order_by("name").first()
    one_filename = Detection.objects.values_list("image__filename", flat=True).first()
    some_filename = one_filename[:6]  # matches nearly every image; one_filename one image

    def page(url):
        return get_ok(client, url)

    def rows(queryset, count=24, offset=0):
        def call():
            assert list(queryset[offset : offset + count]) is not None

        return call

    listed = detection_selectors.detection_list()
    empty_form = "location=&start_date=&end_date=&min_confidence=&reviewed=&valid=&deer=&filename="
    scenarios = [
        ("detections page, as opened", page("/detections/"), rows(listed.order_by("-taken_at", "-id"))),
        (
            "detections, class=doe + empty fields",
            page(f"/detections/?{empty_form}&classification=doe"),
            rows(listed.filter(effective_classification="doe").order_by("-taken_at", "-id")),
        ),
        (
            "detections, one location",
            page(f"/detections/?location={location.pk}"),
            rows(listed.filter(location=location).order_by("-taken_at", "-id")),
        ),
        (
            "detections, sort=confidence",
            page("/detections/?sort=-confidence"),
            rows(listed.order_by("-confidence", "-taken_at", "-id")),
        ),
        (
            "detections, sort=class",
            page("/detections/?sort=class"),
            rows(listed.order_by("effective_classification", "-taken_at", "-id")),
        ),
        (
            "detections, page 2000",
            page("/detections/?page=2000"),
            rows(listed.order_by("-taken_at", "-id"), offset=24 * 1999),
        ),
        (
            f"detections, filename~{some_filename}",
            page(f"/detections/?filename={some_filename}"),
            rows(listed.filter(image__filename__icontains=some_filename).order_by("-taken_at", "-id")),
        ),
        (
            f"detections, filename~{one_filename}",
            page(f"/detections/?filename={one_filename}"),
            rows(listed.filter(image__filename__icontains=one_filename).order_by("-taken_at", "-id")),
        ),
        ("deer gallery", page("/deer/"), rows(reid_selectors.deer_list().order_by("-sighting_count", "name"))),
        ("exports list", page("/exports/"), rows(ExportJob.objects.filter(requested_by=user), 50)),
        ("re-ID review queue", page("/reid/review/"), rows(reid_selectors.review_queue(), 1)),
    ]
    print(f"\nlist pages on {total:,} detections ({connection.vendor}), {args.repeats} repeats, server time in ms")
    failures = time_requests(scenarios, args.repeats, args.repeats, TARGET_MS)
    print("\nbase = the baseline: the page's rows alone, read by the ORM (no count, statistics or template)")
    print("cpu = this process's CPU time per request (Django side; grows less than wall time on a busy machine)")
    if not args.keep:
        drop_database(server)
    shutil.rmtree(os.environ["IMAGE_ROOT"], ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
