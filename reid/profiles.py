"""Deer profile statistics, recomputed from the detections linked to the profile."""

import numpy as np
from django.db.models import Count, Max, Min

from core.vectors import l2_normalise
from detections.models import Detection


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
        mean = l2_normalise(matrix, keep_zeros=True).mean(axis=0)
        deer.centroid = l2_normalise(mean, keep_zeros=True).tobytes()
    else:
        deer.centroid = None
    deer.best_detection = members.order_by("-confidence", "taken_at").first()
    if save:
        deer.save(
            update_fields=["sighting_count", "first_seen", "last_seen", "centroid", "best_detection", "updated_at"]
        )
    return deer


# --- merge and split (reviewer actions) -------------------------------------------------------------


class ProfileError(ValueError):
    """A merge or split that cannot be done; the message says why."""


def deer_merge(target, sources, user=None, force=False):
    """Move every detection of `sources` to `target`, delete the sources and recompute the target.
    Profiles of two different known sexes are only merged with force=True."""
    from django.db import transaction

    from reid.models import Deer

    sources = [s for s in sources if s.pk != target.pk]
    if not sources:
        raise ProfileError("Name at least one other deer to merge into this one.")
    sexes = {d.sex for d in [target, *sources]} - {Deer.Sex.UNKNOWN}
    if len(sexes) > 1 and not force:
        raise ProfileError(
            f"These profiles have different sexes ({', '.join(sorted(sexes))}); send force=true to merge them anyway."
        )
    models = {d.embedding_model for d in [target, *sources] if d.embedding_model}
    if len(models) > 1:
        raise ProfileError(f"Profiles of different embedding models ({', '.join(sorted(models))}) cannot be merged.")
    with transaction.atomic():
        Detection.objects.filter(deer__in=sources).update(deer=target)
        if target.sex == Deer.Sex.UNKNOWN and len(sexes) == 1:
            target.sex = sexes.pop()
        if not target.embedding_model and models:
            target.embedding_model = models.pop()
        notes = [s.notes for s in sources if s.notes]
        if notes:
            target.notes = "\n".join([target.notes, *notes]).strip()
        if not target.name:
            target.name = next((s.name for s in sources if s.name), "")
        target.save()
        Deer.objects.filter(pk__in=[s.pk for s in sources]).delete()
        deer_recompute(target)
    return target


def deer_split(deer, detection_ids, user=None, name="", sex=None):
    """Move the given detections of `deer` to a new profile; both are recomputed. The moved
    detections are remembered as "not this deer" so that matching never puts them back."""
    from django.db import transaction

    from reid.models import Deer, RejectedCandidate

    wanted = {str(pk) for pk in detection_ids}
    if not wanted:
        raise ProfileError("Name the detections to split off (detection_ids).")
    members = set(str(pk) for pk in Detection.objects.filter(deer=deer).values_list("id", flat=True))
    foreign = sorted(wanted - members)
    if foreign:
        raise ProfileError(f"Detection {foreign[0]} does not belong to this deer.")
    if wanted == members:
        raise ProfileError("A split must leave at least one detection with the original deer.")
    with transaction.atomic():
        new = Deer.objects.create(
            name=name, sex=sex or deer.sex, species=deer.species, embedding_model=deer.embedding_model
        )
        Detection.objects.filter(deer=deer, id__in=wanted).update(deer=new)
        RejectedCandidate.objects.bulk_create(
            [RejectedCandidate(detection_id=pk, deer=deer, rejected_by=user) for pk in wanted],
            ignore_conflicts=True,
        )
        deer_recompute(deer)
        deer_recompute(new)
    return new
