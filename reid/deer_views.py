"""Staff UI: the deer gallery and a deer's page (sightings timeline, locations, rename, merge, split)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.roles import REVIEWER, has_role, role_required
from reid import profile_audit, selectors
from reid.models import Deer
from reid.profiles import ProfileError, deer_merge, deer_split

GALLERY_SIZE = 48


@login_required
def deer_gallery(request):
    deer = selectors.deer_list().order_by("-sighting_count", "name")
    sex = request.GET.get("sex", "")
    if sex in Deer.Sex.values:
        deer = deer.filter(sex=sex)
    search = request.GET.get("q", "").strip()
    if search:
        deer = deer.filter(Q(name__icontains=search) | Q(notes__icontains=search))
    page = Paginator(deer, GALLERY_SIZE).get_page(request.GET.get("page"))
    return render(request, "deer/gallery.html", {"page": page, "sex": sex, "q": search, "sexes": Deer.Sex.values})


@login_required
def deer_detail(request, pk):
    deer = get_object_or_404(Deer, pk=pk)
    group_by = request.GET.get("group_by", "month")
    if group_by not in selectors.TRUNC:
        group_by = "month"
    timeline = selectors.fill_empty_periods(selectors.deer_timeline(deer, group_by), group_by)
    peak = max((row["sightings"] for row in timeline), default=0)
    for row in timeline:
        row["height"] = round(100 * row["sightings"] / peak) if peak else 0
    history = profile_audit.history(deer)
    context = {
        "deer": deer,
        "timeline": timeline,
        "middle": timeline[len(timeline) // 2] if timeline else None,
        "group_by": group_by,
        "locations": selectors.deer_locations(deer),
        "sightings": selectors.deer_sightings(deer).select_related("location").order_by("-taken_at")[:24],
        # every other profile: a fawn may be merged into the doe or buck it grew into
        "others": Deer.objects.exclude(pk=deer.pk).order_by("name", "-sighting_count")[:500],
        "history": history,
        "undoable": next((audit for audit in history if audit.undone_at is None), None),
        "can_edit": has_role(request.user, REVIEWER),
        "sexes": Deer.Sex.values,
        "statuses": Deer.Status.values,
    }
    return render(request, "deer/detail.html", context)


def _reviewer_only(view):
    return role_required(REVIEWER, "Editing deer profiles needs the reviewer or manager role.")(require_POST(view))


@_reviewer_only
def deer_edit(request, pk):
    deer = get_object_or_404(Deer, pk=pk)
    name = request.POST.get("name", "").strip()
    if len(name) > 100:
        messages.error(request, "A name can be at most 100 characters long.")
        return redirect("deer:detail", pk=pk)
    sex, status = request.POST.get("sex", deer.sex), request.POST.get("status", deer.status)
    if sex not in Deer.Sex.values or status not in Deer.Status.values:
        messages.error(request, "Choose a sex and a status from the lists.")
        return redirect("deer:detail", pk=pk)
    deer.name, deer.sex, deer.status = name, sex, status
    deer.notes = request.POST.get("notes", deer.notes)[:5000]
    deer.save(update_fields=["name", "sex", "status", "notes", "updated_at"])
    messages.success(request, f"Saved {deer}.")
    return redirect("deer:detail", pk=pk)


def _reviewer_page(view):
    """GET shows what a change will do, POST makes it."""
    return role_required(REVIEWER, "Editing deer profiles needs the reviewer or manager role.")(
        require_http_methods(["GET", "POST"])(view)
    )


@_reviewer_page
def deer_merge_view(request, pk):
    target = get_object_or_404(Deer, pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    source_id = data.get("source", "")
    source = Deer.objects.filter(pk=source_id).exclude(pk=pk).first() if _is_uuid(source_id) else None
    if source is None:
        messages.error(request, "Choose the deer to merge into this one.")
        return redirect("deer:detail", pk=pk)
    if request.method == "GET":
        preview = profile_audit.merge_preview(target, source)
        return render(request, "deer/confirm_merge.html", {"preview": preview, "force": data.get("force") == "on"})
    try:
        deer_merge(target, [source], user=request.user, force=request.POST.get("force") == "on")
    except ProfileError as error:
        messages.error(request, str(error))
        return redirect("deer:detail", pk=pk)
    messages.success(request, f"Merged {source} into {target}: {target.sighting_count} sightings now.")
    return redirect("deer:detail", pk=pk)


@_reviewer_page
def deer_split_view(request, pk):
    deer = get_object_or_404(Deer, pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    ids = [value for value in data.getlist("detection_ids") if _is_uuid(value)]
    if request.method == "GET":
        preview = profile_audit.split_preview(deer, ids)
        if not preview["ids"]:
            messages.error(request, "Tick the sightings that are not this deer, then press Split.")
            return redirect("deer:detail", pk=pk)
        return render(request, "deer/confirm_split.html", {"preview": preview})
    try:
        new = deer_split(deer, ids, user=request.user)
    except ProfileError as error:
        messages.error(request, str(error))
        return redirect("deer:detail", pk=pk)
    messages.success(request, f"Split {new.sighting_count} sightings off {deer} into a new profile.")
    return redirect("deer:detail", pk=new.pk)


@_reviewer_only
def deer_undo_view(request, pk):
    deer = get_object_or_404(Deer, pk=pk)
    audit = profile_audit.latest_open(deer)
    if audit is None:
        messages.info(request, f"{deer} has no merge or split to undo.")
        return redirect("deer:detail", pk=pk)
    try:
        kept = profile_audit.undo_change(audit, request.user)
    except ProfileError as error:
        messages.error(request, str(error))
        return redirect("deer:detail", pk=pk)
    messages.success(request, f"Undone: {audit.summary}.")
    return redirect("deer:detail", pk=kept.pk)


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False
