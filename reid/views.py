"""Staff pages: the threshold analysis with charts, and the review queue (crop beside candidates)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core.roles import REVIEWER, role_required
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


@role_required(REVIEWER, REVIEW_NEEDS)
def review_page(request):
    queue = selectors.review_queue()
    item = queue.first()
    return render(
        request,
        "reid/review.html",
        {
            "item": item,
            "remaining": queue.count(),
            "candidates": selectors.offered_candidates(item) if item else [],
        },
    )


@role_required(REVIEWER, REVIEW_NEEDS)
@require_POST
def review_decide(request, pk):
    item = get_object_or_404(ReviewItem, pk=pk)
    verb = request.POST.get("action")
    try:
        deer = (
            Deer.objects.filter(pk=uuid.UUID(request.POST["deer_id"])).first() if request.POST.get("deer_id") else None
        )
    except ValueError:
        messages.error(request, "The chosen deer id is not a valid id.")
        return redirect("reid:review")
    try:
        if verb == "accept" and deer:
            review.accept(item, deer, request.user)
        elif verb == "reject" and deer:
            review.reject(item, deer, request.user)
        elif verb == "new":
            review.new_individual(item, request.user, name=request.POST.get("name", "")[:100])
        elif verb == "unidentifiable":
            review.unidentifiable(item, request.user)
        elif verb == "skip":
            review.skip(item, request.user)
        elif verb == "undo":
            last = review.last_action_of(request.user)
            if last is None:
                messages.info(request, "You have no decision to undo.")
            else:
                review.undo(last.item, request.user)
                messages.info(request, f"Undid {last.action}.")
        else:
            messages.error(request, "Unknown action or missing deer.")
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect("reid:review")
