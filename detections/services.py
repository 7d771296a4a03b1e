"""Writes for reviewers: correcting detections, one at a time or in a batch.

Each changed field writes an immutable DetectionCorrection row (who, field, old, new). Marking a
detection invalid unlinks it from its deer. The deer whose linked detections changed (unlinked, or
reclassified) are announced with the `detections_corrected` signal inside the same transaction;
the reid app recomputes their statistics there.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.vocabulary import CLASSIFICATIONS, unknown_class
from detections.models import Detection, DetectionCorrection
from detections.signals import detections_corrected

MAX_BATCH_CORRECTIONS = 1000
CORRECTABLE = ("corrected_classification", "is_valid", "correction_notes")


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _clean_changes(changes):
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: f"Unknown field; correctable fields are {', '.join(CORRECTABLE)}."})
    cleaned = dict(changes)
    label = cleaned.get("corrected_classification")
    if label is not None:
        label = str(label).strip().lower()
        if label not in CLASSIFICATIONS:
            raise ValidationError({"corrected_classification": unknown_class(changes["corrected_classification"])})
        cleaned["corrected_classification"] = label
    return cleaned


def _apply(detection, changes, user, now):
    """Apply `changes` to `detection` in memory; returns (correction rows, deer whose members changed or None)."""
    rows = []
    old_deer = detection.deer
    class_before = detection.current_classification
    for name, new in changes.items():
        old = getattr(detection, name)
        if old != new:
            rows.append(
                DetectionCorrection(
                    detection=detection, user=user, field=name, old_value=_text(old), new_value=_text(new)
                )
            )
            setattr(detection, name, new)
    if not detection.is_reviewed:
        rows.append(
            DetectionCorrection(
                detection=detection, user=user, field="is_reviewed", old_value="false", new_value="true"
            )
        )
    detection.is_reviewed = True
    detection.reviewed_by = user
    detection.reviewed_at = now
    recompute = None
    if old_deer is not None:
        if not detection.is_valid:
            detection.deer = None
            rows.append(
                DetectionCorrection(
                    detection=detection, user=user, field="deer", old_value=str(old_deer.pk), new_value=None
                )
            )
            recompute = old_deer
        elif detection.current_classification != class_before:
            recompute = old_deer
    return rows, recompute


def describe(changes, detection):
    """The sentence the API answers with, e.g. 'Detection reviewed and marked as invalid, notes added'."""
    parts = []
    if "is_valid" in changes:
        parts.append("marked as valid" if changes["is_valid"] else "marked as invalid")
    if "corrected_classification" in changes:
        label = changes["corrected_classification"]
        parts.append(f"classification corrected to {label}" if label else "classification correction removed")
    if changes.get("correction_notes"):
        parts.append("notes added")
    return "Detection reviewed" + (" and " + ", ".join(parts) if parts else ", model label confirmed")


UPDATED_FIELDS = [
    "corrected_classification",
    "is_valid",
    "correction_notes",
    "is_reviewed",
    "reviewed_by",
    "reviewed_at",
    "deer",
]


def detection_correct(detection_id, user, **changes):
    """Correct one detection as `user`. Returns the refreshed detection.

    changes: any of corrected_classification (a class, or None to remove the correction),
    is_valid, correction_notes. An empty change confirms the model's label (marks it reviewed).
    """
    changes = _clean_changes(changes)
    with transaction.atomic():
        detection = Detection.objects.select_for_update(of=("self",)).select_related("deer").get(pk=detection_id)
        rows, deer = _apply(detection, changes, user, timezone.now())
        detection.save(update_fields=UPDATED_FIELDS)
        DetectionCorrection.objects.bulk_create(rows)
        detections_corrected.send(sender=Detection, detection_ids=[detection.pk], deer=[] if deer is None else [deer])
    detection.refresh_from_db()
    return detection


def detections_batch_correct(detection_ids, user, **changes):
    """Apply the same correction to many detections in one transaction.

    Returns {"corrected_ids": [...], "not_found_ids": [...]} (ids as given, in request order).
    """
    changes = _clean_changes(changes)
    unique_ids = list(dict.fromkeys(detection_ids))
    if not 1 <= len(unique_ids) <= MAX_BATCH_CORRECTIONS:
        raise ValidationError({"detection_ids": f"Give between 1 and {MAX_BATCH_CORRECTIONS} detection ids."})
    now = timezone.now()
    with transaction.atomic():
        found = {
            d.pk: d
            for d in Detection.objects.select_for_update(of=("self",))
            .select_related("deer")
            .filter(pk__in=unique_ids)
            .order_by("pk")
        }
        all_rows, to_recompute = [], {}
        for detection in found.values():
            rows, deer = _apply(detection, changes, user, now)
            all_rows.extend(rows)
            if deer is not None:
                to_recompute[deer.pk] = deer
        Detection.objects.bulk_update(list(found.values()), UPDATED_FIELDS, batch_size=500)
        DetectionCorrection.objects.bulk_create(all_rows, batch_size=1000)
        corrected_ids = [pk for pk in unique_ids if pk in found]
        detections_corrected.send(sender=Detection, detection_ids=corrected_ids, deer=list(to_recompute.values()))
    return {
        "corrected_ids": corrected_ids,
        "not_found_ids": [pk for pk in unique_ids if pk not in found],
        "recomputed_deer_ids": list(to_recompute),
    }
