"""The dashboard (URL "/"): what the ranch holds at a glance and the user's last exports."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery
from django.shortcuts import render

from dashboard.activity import last_30_days
from detections.models import Detection, Image, Location
from exports.services import user_exports
from reid.models import Deer
from reports.station_map import recent_station_map


def recent_images(limit=10):
    """The newest images by capture time (newest upload first on a tie), each with its detection count
    (a subquery per row: only the ten rows shown are counted)."""
    count = (
        Detection.objects.filter(image=OuterRef("pk")).order_by().values("image").annotate(n=Count("id")).values("n")
    )
    return (
        Image.objects.select_related("location")
        .annotate(n=Subquery(count, output_field=IntegerField()))
        .order_by("-taken_at", "-created_at")[:limit]
    )


@login_required
def dashboard(request):
    totals = Detection.objects.aggregate(
        detections=Count("id"),
        valid=Count("id", filter=Q(is_valid=True, is_duplicate=False)),
        reviewed=Count("id", filter=Q(is_reviewed=True)),
        last_taken=Max("taken_at"),
    )
    by_class = (
        Detection.objects.filter(is_valid=True, is_duplicate=False)
        .values("effective_classification")
        .annotate(count=Count("id"))
        .order_by("-count")
    )
    context = {
        "totals": totals,
        "by_class": by_class,
        "image_count": Image.objects.count(),
        "location_count": Location.objects.count(),
        "deer_count": Deer.objects.count(),
        "recent_images": recent_images(),
        "activity": last_30_days(),
        "recent_jobs": user_exports(request.user, limit=5),
    }
    context["station_map"], context["stations"] = recent_station_map()
    return render(request, "dashboard/index.html", context)
