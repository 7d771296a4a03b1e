"""Staff pages: my exports (with the Camtrap DP form), one export with live progress (htmx), cancel."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.api_errors import QUEUE_UNAVAILABLE, first_message
from core.vocabulary import CLASSIFICATIONS
from detections.models import Detection, Location
from detections.selectors import matching_ids
from exports import services, status
from exports.api.serializers import MAX_ZIP_DETECTIONS, CamtrapDpExportRequestSerializer
from exports.camtrap_dp import locations_without_coordinates
from exports.models import WHAT, ExportJob
from exports.selectors import local_date_span


def _owned_row(request, job_id):
    job_id = services.parse_uuid(job_id)
    row = ExportJob.objects.filter(id=job_id).first() if job_id else None
    if row is None or not (request.user.is_superuser or row.requested_by_id == request.user.pk):
        raise Http404("Export not found")
    return row


def _camtrap_dp_form_data(post):
    """The form's fields as the API body (the CSRF token and anything else left out)."""
    data = {"include_images": "include_images" in post}
    for name in ("start_date", "end_date"):
        data[name] = post.get(name, "")
    for name in ("location_ids", "classifications"):
        if post.getlist(name):
            data[name] = post.getlist(name)
    return data


def _create_camtrap_dp(request):
    """(export, None) when queued, else (None, the message to show)."""
    serializer = CamtrapDpExportRequestSerializer(
        data=_camtrap_dp_form_data(request.POST), context={"base_url": request.build_absolute_uri("/")}
    )
    if not serializer.is_valid():
        return None, first_message(serializer.errors)
    try:
        export = services.create_export(
            request.user,
            ExportJob.Kind.CAMTRAP_DP,
            serializer.to_params(),
            total_count=serializer.validated_data["total_detections"],
        )
    except (RedisConnectionError, RedisTimeoutError):
        return None, QUEUE_UNAVAILABLE
    return export, None


@login_required
def export_list(request):
    """GET: my exports. POST: queue a Camtrap DP package from the form, then follow it."""
    form_error = None
    if request.method == "POST":
        export, form_error = _create_camtrap_dp(request)
        if export is not None:
            messages.info(request, "Camtrap DP package queued.")
            return redirect("exports:detail", job_id=export.id)
    try:
        status.connection().ping()
    except (RedisConnectionError, RedisTimeoutError):  # the history is listed; new exports cannot start
        form_error = form_error or QUEUE_UNAVAILABLE
    jobs = services.user_exports(request.user)
    return render(
        request,
        "exports/list.html",
        {
            "jobs": jobs,
            "any_active": any(job.is_active for job in jobs),
            "camtrap_dp": {
                "error": form_error,
                "values": _camtrap_dp_form_data(request.POST) if request.method == "POST" else {},
                "locations": Location.objects.order_by("name").only("id", "name"),
                "classes": CLASSIFICATIONS,
            },
        },
        status=(503 if form_error == QUEUE_UNAVAILABLE else 400) if form_error else 200,
    )


def _selected_detection_ids(request):
    """(ids, problem) of the detections page's selection: the ticked cards, or all matching the filter."""
    if request.POST.get("all_matching"):
        ids, total, problem = matching_ids(request.POST.get("query", ""), MAX_ZIP_DETECTIONS)
        if problem is None and total > MAX_ZIP_DETECTIONS:
            problem = (
                f"These filters match {total:,} detections; at most {MAX_ZIP_DETECTIONS:,} can be exported at once. "
                "Narrow the filters (dates, location, class) and export again."
            )
        return ids, problem
    try:
        ids = list(dict.fromkeys(uuid.UUID(value) for value in request.POST.getlist("ids")))
    except ValueError:
        return [], "The selection holds an id that is not a detection id."
    if len(ids) > MAX_ZIP_DETECTIONS:
        return [], f"At most {MAX_ZIP_DETECTIONS:,} detections can be exported at once."
    return list(Detection.objects.filter(id__in=ids).values_list("id", flat=True)), None


def _detections_export_params(kind, ids, request):
    """(params, problem) of a ZIP or Camtrap DP export of exactly the detections `ids`."""
    params = {"detection_ids": [str(value) for value in ids]}
    if kind == ExportJob.Kind.ZIP:
        return {
            **params,
            "include_crops": True,
            "include_images": False,
            "include_metadata_csv": True,
            "crop_size": 300,
        }, None
    first, last = local_date_span(ids)
    params.update(
        {
            "start_date": first.isoformat(),
            "end_date": last.isoformat(),
            "group_by": "month",
            "location_ids": [],
            "classifications": [],
            "include_images": False,
            "base_url": request.build_absolute_uri("/"),
        }
    )
    missing = locations_without_coordinates(params)
    if missing:
        return None, (
            f"The location{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"{'have' if len(missing) > 1 else 'has'} no latitude/longitude, which Camtrap DP requires. "
            "Add them, or leave these detections out."
        )
    return params, None


@login_required
@require_POST
def export_detections(request):
    """The detections page's Export buttons: queue a ZIP or Camtrap DP export of the selected detections
    (or of all matching the page's filter, up to the export cap), then follow its progress."""
    back = request.POST.get("next") or "/detections/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/detections/"
    kind = request.POST.get("format", "")
    if kind not in (ExportJob.Kind.ZIP, ExportJob.Kind.CAMTRAP_DP):
        messages.error(request, "Choose an export format: ZIP archive or Camtrap DP package.")
        return redirect(back)
    ids, problem = _selected_detection_ids(request)
    if problem is None and not ids:
        problem = "Nothing to export: select detections, or tick “all matching”."
    params = None
    if problem is None:
        params, problem = _detections_export_params(kind, ids, request)
    if problem is None:
        try:
            export = services.create_export(request.user, kind, params, total_count=len(ids))
        except (RedisConnectionError, RedisTimeoutError):
            problem = QUEUE_UNAVAILABLE
    if problem:
        messages.error(request, problem)
        return redirect(back)
    messages.info(request, f"{WHAT[kind]} of {len(ids)} detections queued.")
    return redirect("exports:detail", job_id=export.id)


@login_required
def export_detail(request, job_id):
    return render(request, "exports/detail.html", {"job": _owned_row(request, job_id)})


@login_required
def export_status_fragment(request, job_id):
    """The status card alone, for htmx polling; it stops polling once the job has ended."""
    return render(request, "exports/_job_status.html", {"job": _owned_row(request, job_id)})


@login_required
@require_POST
def export_cancel(request, job_id):
    row = _owned_row(request, job_id)
    try:
        cancelled = services.cancel_export(request.user, row.id)
    except (RedisConnectionError, RedisTimeoutError):  # nothing was changed: the job keeps running
        context = {"job": row, "cancel_error": f"The export was not cancelled: {QUEUE_UNAVAILABLE.lower()}."}
        return render(request, "exports/detail.html", context, status=503)
    if cancelled:
        messages.info(request, f"Export {row.id} was cancelled and its file deleted.")
    else:
        messages.info(request, f"Export {row.id} had already expired; nothing left to delete.")
    return redirect("exports:list")
