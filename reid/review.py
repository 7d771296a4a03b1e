"""Review-queue decisions: accept, reject, new individual, unidentifiable, skip, and undo.

Every decision is one transaction and writes a ReviewAction, so that the latest decision on an
item can be undone exactly (links removed, a profile made by "new individual" deleted again,
rejections forgotten).
"""

from django.db import transaction
from django.utils import timezone

from detections.models import Detection
from reid.models import Deer, MatchLock, RejectedCandidate, ReviewAction, ReviewItem
from reid.profiles import deer_recompute


class ReviewError(ValueError):
    """A decision that cannot be taken; `status` is the HTTP status to answer with."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def _members(item):
    return [str(pk) for pk in (item.member_ids or [item.detection_id])]


def _require_pending(item):
    if item.status != ReviewItem.Status.PENDING:
        raise ReviewError(f"This detection was already decided ({item.status}); undo that decision first.", status=409)


def _release(item):
    """Undo the provisional link of a folded fragment (reid.fold): its members held by the item's
    provisional deer become unassigned again; returns them."""
    holder = item.provisional_deer
    if holder is None:
        return []
    ids = [str(pk) for pk in Detection.objects.filter(id__in=_members(item), deer=holder).values_list("id", flat=True)]
    Detection.objects.filter(id__in=ids).update(deer=None)
    deer_recompute(holder)
    return ids


def _hold_again(item):
    """After an undo that left the item pending: its provisional deer holds its unassigned members again."""
    holder = Deer.objects.filter(pk=item.provisional_deer_id).first() if item.provisional_deer_id else None
    if holder is not None and item.status == ReviewItem.Status.PENDING:
        Detection.objects.filter(id__in=_members(item), deer__isnull=True).update(deer=holder)
        deer_recompute(holder)


def _link(item, deer):
    """Link the item's still unassigned members to `deer`; returns the ids linked."""
    ids = [
        str(pk)
        for pk in Detection.objects.filter(id__in=_members(item), deer__isnull=True).values_list("id", flat=True)
    ]
    Detection.objects.filter(id__in=ids).update(deer=deer)
    deer_recompute(deer)
    return ids


def _decide(item, status, user):
    item.status = status
    item.decided_by = user
    item.decided_at = timezone.now()
    item.save(update_fields=["status", "decided_by", "decided_at"])


def accept(item, deer, user):
    with transaction.atomic():
        MatchLock.take()
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        _require_pending(item)
        if RejectedCandidate.objects.filter(detection_id=item.detection_id, deer=deer).exists():
            raise ReviewError("This deer was rejected for this detection; undo the rejection first.")
        _release(item)
        linked = _link(item, deer)
        ReviewAction.objects.create(
            item=item,
            action=ReviewAction.Action.ACCEPT,
            deer=deer,
            linked_ids=linked,
            previous_status=item.status,
            user=user,
        )
        _decide(item, ReviewItem.Status.ACCEPTED, user)
        if item.provisional_deer_id == deer.pk:
            deer_recompute(deer)  # its held members now count in its centroid
    return item


def reject(item, deer, user):
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        _require_pending(item)
        created = [
            str(pk)
            for pk in _members(item)
            if RejectedCandidate.objects.get_or_create(detection_id=pk, deer=deer, defaults={"rejected_by": user})[1]
        ]
        if item.provisional_deer_id == deer.pk:  # the provisional holder is rejected: the link is undone
            _release(item)
        ReviewAction.objects.create(
            item=item,
            action=ReviewAction.Action.REJECT,
            deer=deer,
            linked_ids=created,
            previous_status=item.status,
            user=user,
        )
    return item


def new_individual(item, user, name="", sex=None):
    with transaction.atomic():
        MatchLock.take()
        item = ReviewItem.objects.select_for_update().select_related("detection").get(pk=item.pk)
        _require_pending(item)
        detection = item.detection
        cls = detection.effective_classification
        sex = sex or (cls if cls in Deer.Sex.values else Deer.Sex.UNKNOWN)
        deer = Deer.objects.create(name=name, sex=sex, embedding_model=detection.embedding_model)
        _release(item)
        linked = _link(item, deer)
        ReviewAction.objects.create(
            item=item,
            action=ReviewAction.Action.NEW_INDIVIDUAL,
            deer=deer,
            linked_ids=linked,
            previous_status=item.status,
            user=user,
        )
        _decide(item, ReviewItem.Status.NEW_INDIVIDUAL, user)
    return item, deer


def unidentifiable(item, user):
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        _require_pending(item)
        ReviewAction.objects.create(
            item=item, action=ReviewAction.Action.UNIDENTIFIABLE, previous_status=item.status, user=user
        )
        _release(item)
        _decide(item, ReviewItem.Status.UNIDENTIFIABLE, user)
    return item


def skip(item, user):
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        _require_pending(item)
        ReviewAction.objects.create(item=item, action=ReviewAction.Action.SKIP, previous_status=item.status, user=user)
        item.skipped_at = timezone.now()
        item.save(update_fields=["skipped_at"])
    return item


def undo(item, user):
    """Undo the latest decision on `item` that is not undone yet."""
    with transaction.atomic():
        MatchLock.take()
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        action = item.actions.filter(undone_at=None).order_by("-created_at", "-id").first()
        if action is None:
            raise ReviewError("There is nothing to undo on this review item.", status=409)
        kind = action.action
        if kind in (ReviewAction.Action.ACCEPT, ReviewAction.Action.NEW_INDIVIDUAL) and action.deer_id:
            Detection.objects.filter(id__in=action.linked_ids, deer_id=action.deer_id).update(deer=None)
            deer = Deer.objects.filter(pk=action.deer_id).first()
            if deer is not None:
                if kind == ReviewAction.Action.NEW_INDIVIDUAL and not deer.detections.exists():
                    deer.delete()
                else:
                    deer_recompute(deer)
        elif kind == ReviewAction.Action.REJECT and action.deer_id:
            RejectedCandidate.objects.filter(detection_id__in=action.linked_ids, deer_id=action.deer_id).delete()
            if action.deer_id == item.provisional_deer_id:
                _hold_again(item)
        elif kind == ReviewAction.Action.SKIP:
            item.skipped_at = None
        item.status = action.previous_status
        if item.status == ReviewItem.Status.PENDING:
            item.decided_by, item.decided_at = None, None
        item.save()
        if kind in (ReviewAction.Action.ACCEPT, ReviewAction.Action.NEW_INDIVIDUAL, ReviewAction.Action.UNIDENTIFIABLE):
            _hold_again(item)
        action.undone_at = timezone.now()
        action.save(update_fields=["undone_at"])
    return item, action


def last_action_of(user):
    return (
        ReviewAction.objects.filter(user=user, undone_at=None)
        .select_related("item")
        .order_by("-created_at", "-id")
        .first()
    )
