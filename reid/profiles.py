"""Deer profile statistics, recomputed from the detections linked to the profile."""
import numpy as np
from django.db.models import Count, Max, Min

from detections.models import Detection


def normalise(matrix):
    """L2-normalise the rows of a 2-d float array (rows of zeros stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def deer_recompute(deer, save=True):
    """Recompute sighting_count, first/last seen, centroid and best detection from the deer's
    valid detections (sighting_count = number of valid detections linked to it)."""
    members = Detection.objects.filter(deer=deer, is_valid=True)
    stats = members.aggregate(n=Count("id"), first=Min("taken_at"), last=Max("taken_at"))
    deer.sighting_count = stats["n"]
    deer.first_seen = stats["first"]
    deer.last_seen = stats["last"]
    embeddings = [bytes(e) for e in members.exclude(embedding=None).values_list("embedding", flat=True)]
    if embeddings:
        matrix = np.frombuffer(b"".join(embeddings), dtype=np.float32).reshape(len(embeddings), -1)
        mean = normalise(matrix).mean(axis=0, keepdims=True)
        deer.centroid = normalise(mean)[0].astype(np.float32).tobytes()
    else:
        deer.centroid = None
    deer.best_detection = members.order_by("-confidence", "taken_at").first()
    if save:
        deer.save(update_fields=["sighting_count", "first_seen", "last_seen", "centroid", "best_detection", "updated_at"])
    return deer
