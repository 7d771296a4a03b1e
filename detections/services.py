"""Writes for reviewers: correcting detections, one at a time or in a batch; undoing the last
correction; editing a box and adding one the model missed.

Each changed field writes an immutable DetectionCorrection row (who, field, old, new); the rows one
correction writes share a `change` id, so that it can be undone as a whole. A detection that stops
being a deer sighting (marked invalid, or its class changed to a non-deer class) is unlinked from its
deer; one that becomes a sighting again gets back the deer it was unlinked from, unless the deer link
was changed since (then the history's last deer row is not that unlink) or that deer is gone. The
deer whose linked detections changed (unlinked, relinked, or reclassified) are announced with the
`detections_corrected` signal inside the same transaction; the reid app recomputes them there.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.vocabulary import CLASSIFICATIONS, DEER_CLASSES, unknown_class
from detections.models import Detection, DetectionCorrection
from detections.signals import detections_corrected, detections_created

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


def _is_sighting(detection):
    return detection.is_valid and detection.current_classification in DEER_CLASSES


def _deer_model():
    return Detection._meta.get_field("deer").related_model


def unlinked_deer(detections):
    """{detection id: Deer} for the unlinked `detections` whose last deer change in the history was an
    unlink from a deer that still exists: the deer such a detection gets back when it is a sighting again."""
    ids = [d.pk for d in detections if d.deer_id is None]
    if not ids:
        return {}
    last = {}
    rows = DetectionCorrection.objects.filter(detection_id__in=ids, field="deer").order_by(
        "detection_id", "-created_at", "-id"
    )
    for detection_id, old, new in rows.values_list("detection_id", "old_value", "new_value"):
        last.setdefault(detection_id, (old, new))
    wanted = {pk: old for pk, (old, new) in last.items() if new is None and old}
    existing = _deer_model().objects.in_bulk([uuid.UUID(value) for value in set(wanted.values())])
    return {pk: existing[uuid.UUID(value)] for pk, value in wanted.items() if uuid.UUID(value) in existing}


def _row(detection, user, field, old, new, change):
    return DetectionCorrection(
        detection=detection, user=user, field=field, old_value=_text(old), new_value=_text(new), change=change
    )


def _relink(detection, deer, user, change):
    """Point `detection` at `deer` (or None); the history row, and the deer to recompute (old and new)."""
    old = detection.deer
    detection.deer = deer
    row = _row(detection, user, "deer", old.pk if old else None, deer.pk if deer else None, change)
    return row, [d for d in (old, deer) if d is not None]


def _apply(detection, changes, user, now, restorable=None, change=None):
    """Apply `changes` to `detection` in memory; returns (correction rows, deer whose members changed).

    restorable: the deer this detection was unlinked from, if it may get it back (see unlinked_deer)."""
    rows = []
    was_sighting = _is_sighting(detection)
    class_before = detection.current_classification
    for name, new in changes.items():
        old = getattr(detection, name)
        if old != new:
            rows.append(_row(detection, user, name, old, new, change))
            setattr(detection, name, new)
    if not detection.is_reviewed:
        rows.append(_row(detection, user, "is_reviewed", False, True, change))
    detection.is_reviewed = True
    detection.reviewed_by = user
    detection.reviewed_at = now
    recompute = []
    if detection.deer is not None and not _is_sighting(detection):
        row, recompute = _relink(detection, None, user, change)
        rows.append(row)
    elif detection.deer is not None and detection.current_classification != class_before:
        recompute = [detection.deer]
    elif detection.deer is None and restorable is not None and not was_sighting and _is_sighting(detection):
        row, recompute = _relink(detection, restorable, user, change)
        rows.append(row)
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
        restorable = unlinked_deer([detection]).get(detection.pk)
        rows, deer = _apply(detection, changes, user, timezone.now(), restorable, uuid.uuid4())
        detection.save(update_fields=UPDATED_FIELDS)
        DetectionCorrection.objects.bulk_create(rows)
        detections_corrected.send(sender=Detection, detection_ids=[detection.pk], deer=deer)
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
        restorable = unlinked_deer(found.values())
        for detection in found.values():
            rows, deer = _apply(detection, changes, user, now, restorable.get(detection.pk), uuid.uuid4())
            all_rows.extend(rows)
            to_recompute.update((one.pk, one) for one in deer)
        Detection.objects.bulk_update(list(found.values()), UPDATED_FIELDS, batch_size=500)
        DetectionCorrection.objects.bulk_create(all_rows, batch_size=1000)
        corrected_ids = [pk for pk in unique_ids if pk in found]
        detections_corrected.send(sender=Detection, detection_ids=corrected_ids, deer=list(to_recompute.values()))
    return {
        "corrected_ids": corrected_ids,
        "not_found_ids": [pk for pk in unique_ids if pk not in found],
        "recomputed_deer_ids": list(to_recompute),
    }


# --- undo, box edits ------------------------------------------------------------------------------

BOX_FIELDS = ("bbox_x", "bbox_y", "bbox_width", "bbox_height")
UNDOABLE = {"corrected_classification", "is_valid", "correction_notes", "is_reviewed", "deer", "bbox", "added"}


def _box_text(box):
    return ",".join(str(value) for value in box)


def _clean_box(image, box):
    """(x, y, width, height) as whole pixels inside `image`; ValidationError otherwise."""
    try:
        x, y, width, height = (int(value) for value in box)
    except (TypeError, ValueError):
        raise ValidationError({"bbox": "A box is four whole numbers: x, y, width, height (pixels)."}) from None
    if x < 0 or y < 0 or width < 1 or height < 1 or x + width > image.width or y + height > image.height:
        raise ValidationError(
            {"bbox": f"The box ({x}, {y}, {width}x{height}) must lie inside the {image.width}x{image.height} image."}
        )
    return x, y, width, height


def _mark_reviewed(detection, user, now, change):
    rows = [] if detection.is_reviewed else [_row(detection, user, "is_reviewed", False, True, change)]
    detection.is_reviewed, detection.reviewed_by, detection.reviewed_at = True, user, now
    return rows


def detection_edit_box(detection_id, user, box):
    """Move or resize a detection's box (pixels of the full image); recorded as one `bbox` history row."""
    with transaction.atomic():
        detection = Detection.objects.select_for_update(of=("self",)).select_related("image").get(pk=detection_id)
        new = _clean_box(detection.image, box)
        change = uuid.uuid4()
        rows = []
        if new != detection.bbox:
            rows.append(_row(detection, user, "bbox", _box_text(detection.bbox), _box_text(new), change))
            for name, value in zip(BOX_FIELDS, new, strict=True):
                setattr(detection, name, value)
        rows += _mark_reviewed(detection, user, timezone.now(), change)
        detection.save(update_fields=[*BOX_FIELDS, "is_reviewed", "reviewed_by", "reviewed_at"])
        DetectionCorrection.objects.bulk_create(rows)
        detections_corrected.send(sender=Detection, detection_ids=[detection.pk], deer=[])
    return detection


def detection_add(image, user, box, classification):
    """A box a reviewer drew for an animal the model missed: a reviewed Detection marked human_added
    (confidence 1), its history starting with an `added` row. Re-ID hears of it as a new detection."""
    label = str(classification or "").strip().lower()
    if label not in CLASSIFICATIONS:
        raise ValidationError({"classification": unknown_class(classification)})
    x, y, width, height = _clean_box(image, box)
    with transaction.atomic():
        detection = Detection.objects.create(
            image=image,
            bbox_x=x,
            bbox_y=y,
            bbox_width=width,
            bbox_height=height,
            confidence=1.0,
            classification=label,
            human_added=True,
            is_reviewed=True,
            reviewed_by=user,
            reviewed_at=timezone.now(),
        )
        DetectionCorrection.objects.create(
            detection=detection,
            user=user,
            field="added",
            old_value=None,
            new_value=f"{label} {_box_text((x, y, width, height))}",
            change=uuid.uuid4(),
        )
        transaction.on_commit(lambda: detections_created.send_robust(sender=Detection, detection_ids=[detection.pk]))
    return detection


def last_change(detection):
    """The history rows of the detection's last correction (one change id), or []."""
    last = (
        DetectionCorrection.objects.filter(detection=detection, change__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("change", flat=True)
        .first()
    )
    if last is None:
        return []
    return list(DetectionCorrection.objects.filter(detection=detection, change=last).order_by("created_at", "id"))


def _revert(detection, row, user, change):
    """Put back what `row` changed; returns (history rows, deer to recompute)."""
    old = row.old_value
    if row.field == "deer":
        deer = _deer_model().objects.filter(pk=old).first() if old else None
        if (detection.deer_id and str(detection.deer_id)) == (deer and str(deer.pk)):
            return [], []
        history, recompute = _relink(detection, deer, user, change)
        return [history], recompute
    if row.field == "added":  # a drawn box is not deleted (its history stays): it is marked invalid
        return _revert_value(detection, "is_valid", False, user, change), []
    if row.field == "bbox":
        values = tuple(int(part) for part in old.split(","))
        history = [_row(detection, user, "bbox", _box_text(detection.bbox), old, change)]
        for name, value in zip(BOX_FIELDS, values, strict=True):
            setattr(detection, name, value)
        return history, []
    if row.field in ("is_valid", "is_reviewed"):
        value = old == "true"
    elif row.field == "correction_notes":
        value = old or ""
    else:
        value = old
    history = _revert_value(detection, row.field, value, user, change)
    if row.field == "is_reviewed" and not value:
        detection.reviewed_by, detection.reviewed_at = None, None
    return history, ([detection.deer] if row.field == "corrected_classification" and detection.deer else [])


def _revert_value(detection, name, value, user, change):
    if getattr(detection, name) == value:
        return []
    history = [_row(detection, user, name, getattr(detection, name), value, change)]
    setattr(detection, name, value)
    return history


def detection_undo(detection_id, user):
    """Undo the detection's last correction: every field it changed goes back (the deer link too), and
    the undo is itself recorded (so a second undo redoes). ValidationError when there is nothing to undo."""
    with transaction.atomic():
        detection = Detection.objects.select_for_update(of=("self",)).select_related("deer").get(pk=detection_id)
        rows = [row for row in last_change(detection) if row.field in UNDOABLE]
        if not rows:
            raise ValidationError("This detection has no correction to undo.")
        change, history, recompute = uuid.uuid4(), [], {}
        for row in reversed(rows):
            written, deer = _revert(detection, row, user, change)
            history += written
            recompute.update((one.pk, one) for one in deer)
        detection.save(update_fields=[*UPDATED_FIELDS, *BOX_FIELDS])
        DetectionCorrection.objects.bulk_create(history)
        detections_corrected.send(sender=Detection, detection_ids=[detection.pk], deer=list(recompute.values()))
    detection.refresh_from_db()
    return detection, rows
