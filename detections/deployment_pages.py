"""Staff page: one location's deployments, their outages, clock corrections and images outside."""

from django.shortcuts import get_object_or_404, render

from core.roles import VIEWER, role_required
from detections.deployments import location_deployments
from detections.models import Location


@role_required(VIEWER)
def location_deployments_page(request, pk):
    location = get_object_or_404(Location, pk=pk)
    deployments, outside = location_deployments(location)
    context = {
        "location": location,
        "deployments": deployments,
        "images_outside": outside,
        "camera_days": sum(d.camera_days for d in deployments),
    }
    return render(request, "detections/deployments.html", context)
