"""Deployments: their validation rules, where images fall, inference for data without any, and the
clock-offset correction.

Intervals are half-open, [setup_at, pickup_at) and [start_at, end_at): a camera swapped at noon ends
one deployment at 12:00 and starts the next at 12:00 without overlapping. An open deployment
(pickup_at NULL) is running: it operates up to now.

Images belong to the deployment whose interval holds their taken_at (a query, no foreign key: the
answer follows every edit of a deployment). An image at a location that has deployments but in none
of their intervals is *outside*: `images_outside` lists them. A location without any deployment is
covered by an inferred interval: from 00:00 of the local day (settings.TIME_ZONE) of its first image
to 24:00 of the local day of its last, so effort exists for data imported before deployments did;
`deployments_infer` stores those intervals as Deployment rows flagged `inferred`.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from core.timeutil import as_local_date, day_start, outside_supported
from detections.models import ClockCorrection, Deployment, Detection, Image, Location
from detections.signals import detections_retimed

MAX_CLOCK_OFFSET = 10 * 365 * 86400  # ten years either way, in seconds
# the fields a person edits directly (clock_offset goes through clock_offset_set)
DESCRIBING_FIELDS = [
    "location",
    "setup_at",
    "pickup_at",
    "camera_id",
    "camera_model",
    "camera_height",
    "bait_use",
    "feature_type",
    "notes",
    "setup_by",
]


def _overlaps(qs, start_field, end_field, start, end):
    """Rows of qs whose half-open [start_field, end_field or open) meets [start, end or open)."""
    qs = qs.filter(Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gt": start}))
    if end is not None:
        qs = qs.filter(**{f"{start_field}__lt": end})
    return qs


def deployment_problems(location, setup_at, pickup_at, instance=None):
    """(field, message) pairs that refuse a deployment; empty when it may be stored."""
    problems = []
    for name, value in (("setup_at", setup_at), ("pickup_at", pickup_at)):
        message = value is not None and outside_supported(value, name)
        if message:
            problems.append((name, message))
    if problems or location is None or setup_at is None:
        return problems
    if pickup_at is not None and pickup_at <= setup_at:
        problems.append(("pickup_at", f"pickup_at ({pickup_at.isoformat()}) must be after setup_at."))
        return problems
    others = Deployment.objects.filter(location=location)
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    clash = _overlaps(others, "setup_at", "pickup_at", setup_at, pickup_at).order_by("setup_at").first()
    if clash is not None:
        end = clash.pickup_at.isoformat() if clash.pickup_at else "still running"
        problems.append(
            (
                "setup_at",
                f"This deployment overlaps deployment {clash.pk} at {location.name} "
                f"({clash.setup_at.isoformat()} to {end}); one camera per location at a time.",
            )
        )
    if instance is not None and instance.pk:
        outside = instance.outages.filter(start_at__lt=setup_at)
        if pickup_at is not None:
            outside = instance.outages.filter(Q(start_at__lt=setup_at) | Q(end_at__gt=pickup_at))
        if outside.exists():
            problems.append(("setup_at", "The deployment's outages must stay inside it; change or delete them first."))
    return problems


def outage_problems(deployment, start_at, end_at, instance=None):
    """(field, message) pairs that refuse an outage; empty when it may be stored."""
    problems = []
    for name, value in (("start_at", start_at), ("end_at", end_at)):
        message = value is not None and outside_supported(value, name)
        if message:
            problems.append((name, message))
    if problems or deployment is None or start_at is None or end_at is None:
        return problems
    if end_at <= start_at:
        return [("end_at", f"end_at ({end_at.isoformat()}) must be after start_at.")]
    if start_at < deployment.setup_at or (deployment.pickup_at is not None and end_at > deployment.pickup_at):
        end = deployment.pickup_at.isoformat() if deployment.pickup_at else "still running"
        problems.append(
            (
                "start_at",
                f"An outage must lie inside its deployment ({deployment.setup_at.isoformat()} to {end}).",
            )
        )
    others = deployment.outages.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    if _overlaps(others, "start_at", "end_at", start_at, end_at).exists():
        problems.append(("start_at", "This outage overlaps another outage of the same deployment; merge them."))
    return problems


def covering_deployment(location_field="location_id", time_field="taken_at"):
    """Exists(): a deployment at the outer row's location whose interval holds its time."""
    return Exists(
        Deployment.objects.filter(location_id=OuterRef(location_field), setup_at__lte=OuterRef(time_field)).filter(
            Q(pickup_at__isnull=True) | Q(pickup_at__gt=OuterRef(time_field))
        )
    )


def images_outside(images=None):
    """Images at locations with deployments whose taken_at lies in none of them."""
    images = Image.objects.all() if images is None else images
    has_any = Exists(Deployment.objects.filter(location_id=OuterRef("location_id")))
    return images.filter(has_any).exclude(covering_deployment())


def deployment_images(deployment):
    """The images whose taken_at lies in the deployment's interval."""
    images = Image.objects.filter(location_id=deployment.location_id, taken_at__gte=deployment.setup_at)
    if deployment.pickup_at is not None:
        images = images.filter(taken_at__lt=deployment.pickup_at)
    return images


def inferred_intervals(location_ids=None):
    """{location id: (start, end)} for locations with images and no deployment: whole local days from
    the first image's day to the last image's day. One small query for the locations without
    deployments, then (only if there are any) one aggregate over their images."""
    bare = Location.objects.exclude(Exists(Deployment.objects.filter(location_id=OuterRef("pk"))))
    if location_ids:
        bare = bare.filter(pk__in=location_ids)
    # first and last image per location as two ordered LIMIT 1 subqueries each: two probes of the
    # index image_location_taken per location, not a scan of every image (GROUP BY min/max would be)
    at_location = Image.objects.filter(location_id=OuterRef("pk")).values("taken_at")
    rows = bare.annotate(
        first=Subquery(at_location.order_by("taken_at")[:1]),
        last=Subquery(at_location.order_by("-taken_at")[:1]),
    ).values_list("pk", "first", "last")
    return {
        location_id: (day_start(as_local_date(first)), day_start(as_local_date(last) + timedelta(days=1)))
        for location_id, first, last in rows
        if first is not None
    }


def deployments_infer(location_ids=None):
    """Store the inferred intervals as Deployment rows (inferred=True); returns the new rows."""
    with transaction.atomic():
        made = [
            Deployment(location_id=location_id, setup_at=start, pickup_at=end, inferred=True)
            for location_id, (start, end) in inferred_intervals(location_ids).items()
        ]
        return Deployment.objects.bulk_create(made)


def clock_offset_set(deployment, seconds, user=None):
    """Set the deployment's clock offset and re-time its images and detections by the difference.

    The images re-timed are those inside the deployment's interval before the change. Returns the
    ClockCorrection history row, or None when the offset did not change.
    """
    seconds = int(seconds)
    if abs(seconds) > MAX_CLOCK_OFFSET:
        raise ValueError(f"clock_offset must be at most {MAX_CLOCK_OFFSET} seconds (ten years) either way.")
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
        old = deployment.clock_offset
        if seconds == old:
            return None
        shift = timedelta(seconds=seconds - old)
        inside = deployment_images(deployment)
        detections = Detection.objects.filter(image__in=inside.values("id")).update(taken_at=F("taken_at") + shift)
        images = inside.update(taken_at=F("taken_at") + shift)  # after the detections: they select on it
        deployment.clock_offset = seconds
        deployment.save(update_fields=["clock_offset"])
        correction = ClockCorrection.objects.create(
            deployment=deployment, user=user, old_offset=old, new_offset=seconds, images=images, detections=detections
        )
        detections_retimed.send(sender=Deployment, deployment=deployment)
    return correction


def operating_seconds(deployment, now):
    """Seconds the deployment operated up to now: its interval minus its (loaded) outages."""
    end = min(deployment.pickup_at or now, now)
    seconds = max((end - deployment.setup_at).total_seconds(), 0.0)
    for outage in deployment.outages.all():
        seconds -= max((min(outage.end_at, end) - max(outage.start_at, deployment.setup_at)).total_seconds(), 0.0)
    return seconds


def location_deployments(location):
    """The location's deployments (outages and clock history loaded), each with `camera_days` operated
    so far and `images` (the images inside its interval), and the number of the location's images
    outside every deployment."""
    rows = list(
        Deployment.objects.filter(location=location)
        .prefetch_related("outages", "clock_corrections__user")
        .order_by("setup_at")
    )
    now = timezone.now()
    for deployment in rows:
        deployment.camera_days = operating_seconds(deployment, now) / 86400.0
        deployment.images = deployment_images(deployment).count()
    return rows, images_outside(Image.objects.filter(location=location)).count()


def deployment_id_of(location_field="location_id", time_field="taken_at"):
    """Subquery: the id of the stored deployment whose interval holds the outer row's time (NULL when
    none does: a location without deployments, or an image outside them)."""
    return Subquery(
        Deployment.objects.filter(location_id=OuterRef(location_field), setup_at__lte=OuterRef(time_field))
        .filter(Q(pickup_at__isnull=True) | Q(pickup_at__gt=OuterRef(time_field)))
        .order_by("setup_at")
        .values("id")[:1]
    )
