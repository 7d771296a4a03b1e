"""Merge and split of deer profiles as a reviewer sees them: what a change will do (the confirmation
page), the audit trail of changes made, and undo of the latest one."""

from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from detections.models import Detection
from reid.models import Deer, ProfileAudit, RejectedCandidate
from reid.profiles import DEER_FIELDS, ProfileError, deer_recompute, sex_conflict


def _summary(detections):
    stats = detections.filter(is_valid=True).aggregate(n=Count("id"), first=Min("taken_at"), last=Max("taken_at"))
    return {"sightings": stats["n"], "first_seen": stats["first"], "last_seen": stats["last"]}


def merge_preview(target, source):
    """What merging `source` into `target` will do: both profiles and the result."""
    conflict, warning = sex_conflict([target, source])
    return {
        "target": {"deer": target, **_summary(Detection.objects.filter(deer=target))},
        "source": {"deer": source, **_summary(Detection.objects.filter(deer=source))},
        "result": _summary(Detection.objects.filter(deer__in=[target, source])),
        "conflict": conflict,
        "warning": warning,
    }


def split_preview(deer, detection_ids):
    """What splitting `detection_ids` off `deer` will do: the part that moves and the part that stays."""
    members = Detection.objects.filter(deer=deer)
    return {
        "deer": deer,
        "moving": _summary(members.filter(id__in=detection_ids)),
        "staying": _summary(members.exclude(id__in=detection_ids)),
        "ids": [str(pk) for pk in members.filter(id__in=detection_ids).values_list("id", flat=True)],
    }


def history(deer, limit=20):
    """The merges and splits this profile took part in, newest first (audits are few: read in Python,
    since SQLite has no JSON "contains")."""
    key = str(deer.pk)
    recent = ProfileAudit.objects.select_related("user", "undone_by").order_by("-created_at", "-id")[:500]
    return [audit for audit in recent if key in _involved(audit)][:limit]


def _involved(audit):
    return {str(audit.deer_id), *audit.other_ids}


def latest_open(deer):
    """The newest change involving this deer that is not undone, or None."""
    return next((audit for audit in history(deer) if audit.undone_at is None), None)


def undo_change(audit, user):
    """Reverse a merge (the merged-away profiles come back with their detections and fields) or a
    split (the split-off detections go back, the "not this deer" marks the split made are removed).
    Only the newest change of the profiles involved can be undone."""
    with transaction.atomic():
        audit = ProfileAudit.objects.select_for_update().get(pk=audit.pk)
        if audit.undone_at is not None:
            raise ProfileError("This change was already undone.")
        if audit.deer_id is None:
            raise ProfileError("The profile this change kept no longer exists.")
        involved = _involved(audit)
        later = ProfileAudit.objects.filter(undone_at=None, created_at__gte=audit.created_at).exclude(pk=audit.pk)
        if any(_involved(other) & involved for other in later):
            raise ProfileError("A later merge or split of these profiles must be undone first.")
        kept = Deer.objects.get(pk=audit.deer_id)
        if audit.action == ProfileAudit.Action.MERGE:
            restored = _undo_merge(audit, kept)
        else:
            restored = _undo_split(audit, kept)
        for deer in [kept, *restored]:
            deer_recompute(deer)
        audit.undone_at, audit.undone_by = timezone.now(), user if user and user.is_authenticated else None
        audit.save(update_fields=["undone_at", "undone_by"])
    return kept


def _undo_merge(audit, target):
    sources = []
    for fields in audit.before["sources"]:
        if Deer.objects.filter(pk=fields["id"]).exists():
            raise ProfileError(f"Deer {fields['id']} exists again; this merge cannot be undone.")
        source = Deer.objects.create(**{"id": fields["id"], **{f: fields[f] for f in DEER_FIELDS}})
        Detection.objects.filter(deer=target, id__in=audit.moved.get(fields["id"], [])).update(deer=source)
        sources.append(source)
    for field in DEER_FIELDS:
        setattr(target, field, audit.before["target"][field])
    target.save()
    return sources


def _undo_split(audit, original):
    new_id = audit.other_ids[0]
    new = Deer.objects.filter(pk=new_id).first()
    if new is not None:
        Detection.objects.filter(deer=new, id__in=audit.moved.get(new_id, [])).update(deer=original)
    RejectedCandidate.objects.filter(deer=original, detection_id__in=audit.before.get("new_rejections", [])).delete()
    if new is not None and not Detection.objects.filter(deer=new).exists():
        new.delete()
        return []
    return [new] if new is not None else []
