"""Embeddings stored before ingest refused non-finite vectors (e.g. [1e308, ...] became NaN): cleared,
so no profile, centroid or detection answer reads a NaN again. The detection stays; it can be
matched once a valid embedding is imported. Deer centroids that became non-finite are cleared too
(reid recomputes a centroid from its members' embeddings when it is next used)."""

import numpy as np
from django.db import migrations


def non_finite(rows):
    return [
        pk
        for pk, blob in rows
        if blob is not None and not np.isfinite(np.frombuffer(bytes(blob), dtype=np.float32)).all()
    ]


def clear(apps, schema_editor):
    Detection = apps.get_model("detections", "Detection")
    rows = Detection.objects.exclude(embedding=None).values_list("id", "embedding").iterator(chunk_size=2000)
    bad = non_finite(rows)
    for start in range(0, len(bad), 1000):
        Detection.objects.filter(id__in=bad[start : start + 1000]).update(embedding=None, embedding_model="")
    Deer = apps.get_model("reid", "Deer")
    bad_deer = non_finite(Deer.objects.exclude(centroid=None).values_list("id", "centroid").iterator(chunk_size=2000))
    Deer.objects.filter(id__in=bad_deer).update(centroid=None)
    if bad or bad_deer:
        print(f"\n  cleared {len(bad)} non-finite embedding(s) and {len(bad_deer)} non-finite centroid(s)")


class Migration(migrations.Migration):
    dependencies = [
        ("detections", "0004_counted_series_index"),
        ("reid", "0004_background_job"),
    ]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
