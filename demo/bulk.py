"""Bulk data for benchmarks: many detections inserted fast (COPY on PostgreSQL), image files pooled."""

import hashlib
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.bulk import copy_rows
from demo.ranch import HOUR_WEIGHTS, IMAGE_SIZE, LOCATIONS, MONTH_WEIGHTS, draw_picture, random_box
from detections.models import Detection, Image, Location


def seed_bulk(n_detections, seed=1, end=None, days=365, pool_size=64, per_image=2, batch_size=5000, stdout=None):
    """Insert `n_detections` detections (`per_image` per image) spread over `days` days ending
    `end` (default yesterday), with the demo ranch's daily, seasonal and class patterns, without
    embeddings. Image files come from a pool of `pool_size` real JPEGs, so an Image row's sha256
    is a synthetic, unique value rather than the hash of its (shared) file. Vectorised with
    numpy and inserted with bulk_create; returns the number of detections created."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(settings.TIME_ZONE)
    end = end or (timezone.localdate() - timedelta(days=1))
    start = end - timedelta(days=days - 1)
    locations = []
    for name, lat, lon, _ in LOCATIONS:
        loc, _ = Location.objects.get_or_create(name=name, defaults={"latitude": lat, "longitude": lon})
        locations.append(loc)
    pool = []
    for index in range(pool_size):
        local_dt = datetime.combine(start, time(6)) + timedelta(hours=index)
        relative = f"bulk-pool/pool_{index:03d}.jpg"
        path = Path(settings.IMAGE_ROOT) / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(draw_picture(rng, local_dt, "POOL", [(random_box(rng), "doe")]))
        pool.append(relative)

    n_images = -(-n_detections // per_image)
    start_utc = datetime.combine(start, time(0), tzinfo=tz)
    now = timezone.now()
    day_weights = np.array([MONTH_WEIGHTS[(start + timedelta(days=i)).month - 1] for i in range(days)])
    site_weights = np.array([loc[3] for loc in LOCATIONS])
    labels = np.array(["buck", "doe", "fawn", "unknown", "cattle", "raccoon", "coyote", "turkey"])
    label_p = np.array([0.25, 0.42, 0.12, 0.06, 0.05, 0.04, 0.03, 0.03])
    created = 0
    for first in range(0, n_images, batch_size):
        count = min(batch_size, n_images - first)
        day = rng.choice(days, size=count, p=day_weights / day_weights.sum())
        hour = rng.choice(24, size=count, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        second = rng.integers(0, 3600, size=count)
        offsets = (day * 86400 + hour * 3600 + second).tolist()
        site = rng.choice(len(locations), size=count, p=site_weights / site_weights.sum()).tolist()
        images = [
            {
                "id": uuid.UUID(int=(seed << 96) | (first + i), version=4),
                "location_id": locations[site[i]].id,
                "file": pool[(first + i) % pool_size],
                "filename": f"BULK_{first + i:08d}.jpg",
                "sha256": hashlib.sha256(f"bulk-{seed}-{first + i}".encode()).hexdigest(),
                "width": IMAGE_SIZE[0],
                "height": IMAGE_SIZE[1],
                "taken_at": start_utc + timedelta(seconds=offsets[i]),
                "exif": "{}",
                "status": Image.Status.COMPLETED,
                "error_message": "",
                "created_at": now,
            }
            for i in range(count)
        ]
        n_det = min(count * per_image, n_detections - created)
        cls = rng.choice(labels, size=n_det, p=label_p).tolist()
        conf = np.clip(rng.normal(0.8, 0.12, size=n_det), 0.2, 0.99).round(4).tolist()
        valid = (rng.random(n_det) > 0.03).tolist()
        dup = (rng.random(n_det) < 0.02).tolist()
        detections = [
            {
                "id": uuid.UUID(int=(seed << 100) | (created + j), version=4),
                "image_id": images[j // per_image]["id"],
                "location_id": images[j // per_image]["location_id"],
                "taken_at": images[j // per_image]["taken_at"],
                "bbox_x": 50 + 10 * (j % per_image),
                "bbox_y": 200,
                "bbox_width": 200,
                "bbox_height": 150,
                "confidence": conf[j],
                "classification": cls[j],
                "is_valid": valid[j],
                "is_duplicate": dup[j],
                "is_reviewed": False,
                "correction_notes": "",
                "embedding_model": "",
                "created_at": now,
            }
            for j in range(n_det)
        ]
        with transaction.atomic():
            insert_rows(Image, images)
            insert_rows(Detection, detections)
        created += n_det
        if stdout is not None:
            stdout.write(f"  {created:,} / {n_detections:,} detections\n")
    return created


def insert_rows(model, rows):
    """Insert dict rows (keys are field attnames) fast: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    # COPY skips Django's defaults: give the columns the rows leave out (fields added since) theirs.
    defaults = {
        f.attname: f.get_default()
        for f in model._meta.concrete_fields
        if f.attname not in rows[0]
        and not f.null
        and not f.primary_key
        and not f.generated
        and f.get_default() is not None
    }
    rows = [{**defaults, **row} for row in rows] if defaults else rows
    names = list(rows[0])
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    copy_rows(model._meta.db_table, columns, [[row[n] for n in names] for row in rows])
