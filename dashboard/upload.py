"""Upload in the browser: images dropped on the page, one request per file (so that each shows its
own progress and result), each stored through the ingest service the API upload uses
(detections.ingest.image_ingest). The answer per file: accepted, duplicate or refused with the reason."""

import uuid

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from core.roles import REVIEWER, role_required
from detections import ingest
from detections.models import Location

UPLOAD_NEEDS = "Uploading images needs the reviewer or manager role."


@role_required(REVIEWER, UPLOAD_NEEDS)
def upload_page(request):
    locations = Location.objects.filter(active=True).order_by("name")
    return render(request, "dashboard/upload.html", {"locations": locations})


def _refused(reason, status=400):
    return JsonResponse({"result": "refused", "reason": reason}, status=status)


def _reason(error):
    if hasattr(error, "message_dict"):
        return " ".join(" ".join(messages) for messages in error.message_dict.values())
    return " ".join(error.messages)


@role_required(REVIEWER, UPLOAD_NEEDS)
@require_POST
def upload_file(request):
    try:
        location = Location.objects.filter(pk=uuid.UUID(request.POST.get("location", ""))).first()
    except ValueError:
        location = None
    if location is None:
        return _refused("Choose the camera site the images come from.")
    upload = request.FILES.get("file")
    if upload is None:
        return _refused("No file was sent.")
    try:
        image, created = ingest.image_ingest(upload=upload, filename=upload.name, location=location)
    except ValidationError as error:
        return _refused(_reason(error))
    return JsonResponse(
        {
            "result": "accepted" if created else "duplicate",
            "reason": ""
            if created
            else f"The same file is stored already as {image.filename} ({image.location.name}).",
            "image_id": str(image.pk),
            "taken_at": image.taken_at.isoformat(),
        },
        status=201 if created else 200,
    )
