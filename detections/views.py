"""Staff UI: browse detections with their boxes drawn over the image, review and correct them
(one at a time, in a batch, or from the keyboard)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.filters import without_empty
from core.form_messages import date_order_error, human_errors
from core.roles import REVIEWER, VIEWER, has_role, role_required
from core.vocabulary import CLASSIFICATIONS, DEER_CLASSES, OTHER_CLASSES
from detections import selectors, services
from detections.filters import PAGE_SORTS, DetectionFilter, page_ordering
from detections.list_page import COUNT_CAP, capped_count, list_page, page_number
from detections.models import Detection, Location

PAGE_SIZE = 24
MAX_PAGE_EXPORT = 10_000  # the export API's cap (exports.api.serializers.MAX_ZIP_DETECTIONS)
CORRECTING_NEEDS = "Correcting detections needs the reviewer or manager role."


def _card_context(request, detection):
    return {
        "d": detection,
        "can_review": has_role(request.user, REVIEWER),
        "deer_classes": DEER_CLASSES,
        "other_classes": OTHER_CLASSES,
    }


@login_required
def detection_browse(request):
    filterset = DetectionFilter(request.GET, queryset=Detection.objects.all())  # rows: _page_rows
    sort, ordering = page_ordering(request.GET.get("sort"))
    problems = human_errors(filterset.errors) if not filterset.is_valid() else []
    inverted = date_order_error(request.GET)
    if inverted:
        problems.append(inverted)
    if problems:
        detections = Detection.objects.none()
    else:
        detections = filterset.qs.order_by(*ordering)
    counted = capped_count(detections, COUNT_CAP) if not problems else 0
    count = counted if counted <= COUNT_CAP else None  # None: more than COUNT_CAP, counted only on demand
    page = list_page(detections, _page_rows, page_number(request.GET.get("page")), PAGE_SIZE, count)
    # statistics of a small result come with the page; of a large one from detections:stats once the page shows
    stats = selectors.review_stats(detections) if count is not None and not problems else None
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filter": filterset,
        "stats": stats,
        "count_cap": COUNT_CAP,
        "filter_problems": problems,
        "locations": Location.objects.all(),
        "classes": CLASSIFICATIONS,
        "sorts": [(key, label) for key, (label, _) in PAGE_SORTS.items()],
        "sort": sort,
        "query": query.urlencode(),
        "filter_query": without_empty(filterset_query(request.GET)).urlencode(),
        "can_review": has_role(request.user, REVIEWER),
        "can_export": has_role(request.user, VIEWER),
        "max_export": MAX_PAGE_EXPORT,
        "deer_classes": DEER_CLASSES,
        "other_classes": OTHER_CLASSES,
    }
    return render(request, "detections/browse.html", context)


def _page_rows(ids):
    return selectors.detection_list().filter(pk__in=ids)


@login_required
def detection_stats(request):
    """The review statistics of the page's filter, counted over every matching row (htmx fragment)."""
    filterset = DetectionFilter(request.GET, queryset=Detection.objects.all())
    problems = human_errors(filterset.errors) if not filterset.is_valid() else []
    inverted = date_order_error(request.GET)
    if problems or inverted:
        return HttpResponseBadRequest(" ".join([*problems, inverted or ""]).strip())
    stats = selectors.review_stats(filterset.qs)
    context = {"stats": stats, "can_review": has_role(request.user, REVIEWER), "matching_count": stats["total_count"]}
    return render(request, "detections/_stats.html", context)


def filterset_query(data):
    """The filter part of a query string (no page, no sort)."""
    query = data.copy()
    for name in ("page", "sort"):
        query.pop(name, None)
    return query


def _correction_from_post(post):
    action = post.get("action") or post.get("other_action", "")
    if action == "confirm":
        return {}
    if action == "invalid":
        return {"is_valid": False}
    if action == "valid":
        return {"is_valid": True}
    if action.startswith("class:"):
        return {"corrected_classification": action.split(":", 1)[1]}
    raise ValidationError(f"Unknown review action '{action}'.")


@role_required(REVIEWER, CORRECTING_NEEDS)
@require_POST
def detection_review(request, pk):
    detection = get_object_or_404(Detection, pk=pk)
    try:
        changes = _correction_from_post(request.POST)
        if request.POST.get("notes"):
            changes["correction_notes"] = request.POST["notes"][:1000]
        detection = services.detection_correct(detection.pk, request.user, **changes)
    except ValidationError as error:
        return HttpResponseBadRequest("; ".join(error.messages))
    detection = selectors.detection_list().select_related("image", "location", "deer").get(pk=detection.pk)
    return render(request, "detections/_card.html", _card_context(request, detection))


@role_required(REVIEWER, CORRECTING_NEEDS)
@require_POST
def detection_batch_review(request):
    back = request.POST.get("next") or "/detections/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/detections/"  # never off the site (//evil.example/ is a host, not a path)
    if request.POST.get("all_matching"):
        ids, total, problem = selectors.matching_ids(request.POST.get("query", ""), services.MAX_BATCH_CORRECTIONS)
        if problem is None and total > services.MAX_BATCH_CORRECTIONS:
            problem = (
                f"These filters match {total} detections; at most {services.MAX_BATCH_CORRECTIONS} can be reviewed "
                "at once. Narrow the filters."
            )
        if problem is None and total == 0:
            problem = "No detections match these filters."
        if problem:
            messages.error(request, problem)
            return redirect(back)
    else:
        try:
            ids = [uuid.UUID(value) for value in request.POST.getlist("ids")]
        except ValueError:
            messages.error(request, "The selection holds an id that is not a detection id.")
            return redirect(back)
        if not ids:
            messages.error(request, "Select detections first (the boxes on the cards, or all matching).")
            return redirect(back)
    try:
        changes = _correction_from_post(request.POST)
        result = services.detections_batch_correct(ids, request.user, **changes)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect(back)
    messages.success(request, f"Reviewed {len(result['corrected_ids'])} detections.")
    return redirect(back)


# --- the image viewer: one detection on its full image --------------------------------------------


@login_required
def detection_view(request, pk):
    """The full image with every box, zoom and pan, previous/next in the burst and in the list the
    viewer was opened from (its filter and sort travel in the query string), metadata and history."""
    detection = get_object_or_404(selectors.detection_detail(), pk=pk)
    filterset = DetectionFilter(request.GET, queryset=Detection.objects.select_related("location"))
    sort, ordering = page_ordering(request.GET.get("sort"))
    previous = following = None
    if filterset.is_valid():
        previous, following = selectors.neighbours(filterset.qs, ordering, detection)
    boxes = list(Detection.objects.filter(image_id=detection.image_id).order_by("bbox_x", "id"))
    burst = selectors.burst_members(detection)
    position = next((i for i, d in enumerate(burst) if d.pk == detection.pk), 0)
    context = {
        "d": detection,
        "boxes": boxes,
        "history": selectors.detection_history(detection),
        "burst": burst,
        "burst_previous": burst[position - 1] if position > 0 else None,
        "burst_next": burst[position + 1] if position + 1 < len(burst) else None,
        "previous": previous,
        "next": following,
        "list_query": filterset_query(request.GET).urlencode(),
        "can_review": has_role(request.user, REVIEWER),
        "deer_classes": DEER_CLASSES,
        "other_classes": OTHER_CLASSES,
        "classes": CLASSIFICATIONS,
        "sort": sort,
    }
    return render(request, "detections/viewer.html", context)


def _back_to_viewer(request, pk):
    back = request.POST.get("next") or f"/detections/{pk}/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = f"/detections/{pk}/"
    return redirect(back)


@role_required(REVIEWER, CORRECTING_NEEDS)
@require_POST
def detection_undo(request, pk):
    get_object_or_404(Detection, pk=pk)
    try:
        _, undone = services.detection_undo(pk, request.user)
        messages.success(request, "Undone: " + ", ".join(sorted({row.field for row in undone})) + ".")
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return _back_to_viewer(request, pk)


def _box_from_post(post):
    return [post.get(name, "") for name in ("x", "y", "width", "height")]


@role_required(REVIEWER, CORRECTING_NEEDS)
@require_POST
def detection_box(request, pk):
    get_object_or_404(Detection, pk=pk)
    try:
        services.detection_edit_box(pk, request.user, _box_from_post(request.POST))
        messages.success(request, "Box saved.")
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return _back_to_viewer(request, pk)


@role_required(REVIEWER, CORRECTING_NEEDS)
@require_POST
def detection_add_box(request, pk):
    """Add a box on the image of detection `pk` for an animal the model missed; opens the new one."""
    detection = get_object_or_404(Detection.objects.select_related("image"), pk=pk)
    try:
        added = services.detection_add(
            detection.image, request.user, _box_from_post(request.POST), request.POST.get("classification")
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return _back_to_viewer(request, pk)
    messages.success(request, f"Box added ({added.classification}).")
    return redirect("detections:view", pk=added.pk)
