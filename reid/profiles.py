"""Deer profile statistics, recomputed from the detections linked to the profile."""

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Min

from core.vectors import l2_normalise
from detections.models import Detection
from reid.fold import held_ids
from reid.models import Deer, ProfileAudit, RejectedCandidate


def deer_recompute(deer, save=True):
    """Recompute sighting_count, first/last seen, centroid and best detection from the deer's
    valid detections (sighting_count = number of valid detections linked to it); the centroid leaves
    out the detections the deer holds only provisionally (reid.fold)."""
    members = Detection.objects.filter(deer=deer, is_valid=True)
    stats = members.aggregate(n=Count("id"), first=Min("taken_at"), last=Max("taken_at"))
    deer.sighting_count = stats["n"]
    deer.first_seen = stats["first"]
    deer.last_seen = stats["last"]
    held = held_ids(deer)  # detections it holds provisionally do not move its centroid
    with_embedding = (
        members.exclude(embedding=None).exclude(id__in=list(held)) if held else members.exclude(embedding=None)
    )
    embeddings = [bytes(e) for e in with_embedding.values_list("embedding", flat=True)]
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


ADULT_SEXES = {"doe", "buck"}
DEER_FIELDS = ("name", "sex", "status", "species", "notes", "embedding_model")


def sex_conflict(profiles):
    """(conflict, warning): a conflict (two adult sexes) needs force; a fawn merged with a doe or a
    buck is a fawn that grew up, allowed with a warning."""
    sexes = {d.sex for d in profiles} - {Deer.Sex.UNKNOWN}
    if len(sexes) <= 1:
        return None, None
    adults = sexes & ADULT_SEXES
    if len(adults) == 1:  # the other one is "fawn"
        adult = adults.pop()
        return (
            None,
            f"A fawn and a {adult}: merged as the fawn that grew into this {adult}; the profile becomes {adult}.",
        )
    return f"These profiles have different sexes ({', '.join(sorted(sexes))})", None


def merged_sex(profiles):

    sexes = {d.sex for d in profiles} - {Deer.Sex.UNKNOWN}
    adults = sexes & ADULT_SEXES
    if len(adults) == 1:
        return adults.pop()
    return sexes.pop() if len(sexes) == 1 else None


def deer_merge(target, sources, user=None, force=False):
    """Move every detection of `sources` to `target`, delete the sources and recompute the target.
    Profiles of two different adult sexes are only merged with force=True; a fawn merges into a doe
    or a buck (it grew up). The merge is recorded as a ProfileAudit that undo_change reverses."""
    sources = [s for s in sources if s.pk != target.pk]
    if not sources:
        raise ProfileError("Name at least one other deer to merge into this one.")
    conflict, _ = sex_conflict([target, *sources])
    if conflict and not force:
        raise ProfileError(f"{conflict}; send force=true to merge them anyway.")
    models = {d.embedding_model for d in [target, *sources] if d.embedding_model}
    if len(models) > 1:
        raise ProfileError(f"Profiles of different embedding models ({', '.join(sorted(models))}) cannot be merged.")
    with transaction.atomic():
        before = {
            "target": {f: getattr(target, f) for f in DEER_FIELDS},
            "sources": [{"id": str(s.pk), **{f: getattr(s, f) for f in DEER_FIELDS}} for s in sources],
        }
        moved = {
            str(s.pk): [str(pk) for pk in Detection.objects.filter(deer=s).values_list("id", flat=True)]
            for s in sources
        }
        Detection.objects.filter(deer__in=sources).update(deer=target)
        sex = merged_sex([target, *sources])
        if sex and (target.sex == Deer.Sex.UNKNOWN or not conflict):
            target.sex = sex
        if not target.embedding_model and models:
            target.embedding_model = models.pop()
        notes = [s.notes for s in sources if s.notes]
        if notes:
            target.notes = "\n".join([target.notes, *notes]).strip()
        if not target.name:
            target.name = next((s.name for s in sources if s.name), "")
        target.save()
        names = ", ".join(str(s) for s in sources)
        Deer.objects.filter(pk__in=[s.pk for s in sources]).delete()
        deer_recompute(target)
        ProfileAudit.objects.create(
            action=ProfileAudit.Action.MERGE,
            deer=target,
            other_ids=[str(s.pk) for s in sources],
            moved=moved,
            before=before,
            user=user if user and user.is_authenticated else None,
            summary=f"Merged {names} ({sum(map(len, moved.values()))} detections) into {target}"[:500],
        )
    return target


def deer_split(deer, detection_ids, user=None, name="", sex=None):
    """Move the given detections of `deer` to a new profile; both are recomputed. The moved
    detections are remembered as "not this deer" so that matching never puts them back."""
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
        known = set(
            str(pk)
            for pk in RejectedCandidate.objects.filter(deer=deer, detection_id__in=wanted).values_list(
                "detection_id", flat=True
            )
        )
        RejectedCandidate.objects.bulk_create(
            [RejectedCandidate(detection_id=pk, deer=deer, rejected_by=user) for pk in wanted],
            ignore_conflicts=True,
        )
        deer_recompute(deer)
        deer_recompute(new)
        ProfileAudit.objects.create(
            action=ProfileAudit.Action.SPLIT,
            deer=deer,
            other_ids=[str(new.pk)],
            moved={str(new.pk): sorted(wanted)},
            before={"new_rejections": sorted(wanted - known)},
            user=user if user and user.is_authenticated else None,
            summary=f"Split {len(wanted)} detections off {deer} into {new}"[:500],
        )
    return new
