"""Staff pages: the threshold analysis with charts, and the review queue (crop beside candidates)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core.roles import REVIEWER, role_required
from detections.models import Detection
from reid import analysis_cache, review, selectors
from reid.charts import curves_svg, histogram_svg
from reid.models import Deer, ReviewItem


@login_required
def analysis_page(request):
    snapshot, fresh = analysis_cache.for_page()
    stored = {"snapshot": snapshot, "fresh": fresh}
    if snapshot.error:
        return render(request, "reid/analysis.html", {"error": snapshot.error, **stored})
    result = snapshot.result
    charts = [
        histogram_svg(result["histogram"], "All logged scores"),
        histogram_svg(result["best_histogram"], "Best candidate per attempt"),
        curves_svg(result["thresholds"], {"assignment_rate": "assignment rate"}, "Assignment rate by threshold"),
    ]
    if result["replay"]:
        charts.append(
            curves_svg(
                result["replay"]["curve"],
                {"precision": "precision", "recall": "recall", "f1": "F1"},
                "Pairwise precision, recall and F1 (matching replayed from scratch)",
            )
        )
    charts = [mark_safe(c) for c in charts if c]
    return render(request, "reid/analysis.html", {"result": result, "charts": charts, **stored})


@role_required(REVIEWER, "Recomputing the analysis needs the reviewer role.")
@require_POST
def analysis_recompute(request):
    """Recompute the analysis in the background (now, if the job queue is unavailable)."""
    analysis_cache.invalidate()
    if analysis_cache.queue_refresh():
        messages.info(request, "The analysis is being recomputed; reload this page in a moment.")
    else:
        analysis_cache.compute()
    return redirect("reid:analysis")


REVIEW_NEEDS = "The review queue needs the reviewer role."


SIGHTINGS_PER_CANDIDATE = 5


def _review_context(user, flash=None):
    """The first item of the queue with its candidates, each with its best sightings (crops)."""
    queue = selectors.review_queue()
    item = queue.first()
    candidates = selectors.offered_candidates(item) if item else []
    for candidate in candidates:
        candidate["sightings"] = list(
            Detection.objects.filter(deer=candidate["deer"], is_valid=True)
            .select_related("location")
            .order_by("-confidence", "-taken_at")[:SIGHTINGS_PER_CANDIDATE]
        )
    last = review.last_action_of(user) if item is None else None
    return {
        "item": item,
        "remaining": queue.count(),
        "candidates": candidates,
        "flash": flash,
        "undo_item_id": last.item_id if last else None,
    }


@role_required(REVIEWER, REVIEW_NEEDS)
def review_page(request):
    return render(request, "reid/review.html", _review_context(request.user))


def _decide(request, item):
    """Carry out the POSTed decision; returns (level, message) for the confirmation."""
    verb = request.POST.get("action")
    try:
        deer = (
            Deer.objects.filter(pk=uuid.UUID(request.POST["deer_id"])).first() if request.POST.get("deer_id") else None
        )
    except ValueError:
        return messages.ERROR, "The chosen deer id is not a valid id."
    try:
        if verb == "accept" and deer:
            review.accept(item, deer, request.user)
            return messages.SUCCESS, f"Same deer: linked to {deer}."
        if verb == "reject" and deer:
            review.reject(item, deer, request.user)
            return messages.SUCCESS, f"Not {deer}: it will not be offered again for this detection."
        if verb == "new":
            _, new = review.new_individual(item, request.user, name=request.POST.get("name", "")[:100])
            return messages.SUCCESS, f"New individual {new}."
        if verb == "unidentifiable":
            review.unidentifiable(item, request.user)
            return messages.SUCCESS, "Marked unidentifiable."
        if verb == "skip":
            review.skip(item, request.user)
            return messages.INFO, "Skipped: it goes to the back of the queue."
        if verb == "undo":
            last = review.last_action_of(request.user)
            if last is None:
                return messages.INFO, "You have no decision to undo."
            review.undo(last.item, request.user)
            return messages.INFO, f"Undid {last.get_action_display().lower()}."
        return messages.ERROR, "Unknown action or missing deer."
    except review.ReviewError as exc:
        return messages.ERROR, str(exc)


@role_required(REVIEWER, REVIEW_NEEDS)
@require_POST
def review_decide(request, pk):
    """A decision; an htmx request gets the confirmation and the next item in place, a plain form
    post a redirect to the queue."""
    item = get_object_or_404(ReviewItem, pk=pk)
    level, text = _decide(request, item)
    if request.headers.get("HX-Request"):
        flash = {"level": messages.DEFAULT_TAGS[level], "text": text}
        return render(request, "reid/_review_item.html", _review_context(request.user, flash))
    messages.add_message(request, level, text)
    return redirect("reid:review")
