"""Staff UI: upload a pipeline's results file (MegaDetector or SpeciesNet) for images already on the
volume; the import runs as a background job and its page shows the progress (htmx polling)."""

from django.shortcuts import get_object_or_404, redirect, render
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.roles import REVIEWER, role_required
from core.vocabulary import CLASSIFICATIONS
from detections import imports
from detections.api.import_views import PipelineImportRequestSerializer
from detections.models import Location, PipelineImport

IMPORTING_NEEDS = "Importing pipeline results needs the reviewer or manager role."


@role_required(REVIEWER, IMPORTING_NEEDS)
def pipeline_import(request):
    error, values = None, {}
    if request.method == "POST":
        values = request.POST.dict()
        values.pop("csrfmiddlewaretoken", None)
        file_format = values.pop("format", "")
        data = {name: value for name, value in values.items() if value != ""}
        data["create_locations"] = "create_locations" in values
        if "file" in request.FILES:
            data["file"] = request.FILES["file"]
        form = PipelineImportRequestSerializer(data=data)
        if file_format not in PipelineImport.Format.values:
            error = "Choose the format of the results file."
        elif not form.is_valid():
            error = "; ".join(f"{name}: {' '.join(map(str, messages))}" for name, messages in form.errors.items())
        else:
            options = dict(form.validated_data)
            upload = options.pop("file")
            try:
                job = imports.start_import(file_format, upload, options, request.user)
            except (RedisConnectionError, RedisTimeoutError):
                error = "The job queue is unavailable; try again later."
            else:
                return redirect("detections:import-detail", pk=job.pk)
    context = {
        "error": error,
        "values": values,
        "formats": PipelineImport.Format.choices,
        "classes": CLASSIFICATIONS,
        "locations": Location.objects.order_by("name"),
        "jobs": PipelineImport.objects.all()[:10],
    }
    return render(request, "detections/import.html", context, status=400 if error else 200)


@role_required(REVIEWER, IMPORTING_NEEDS)
def pipeline_import_detail(request, pk):
    return render(request, "detections/import_detail.html", {"job": get_object_or_404(PipelineImport, pk=pk)})


@role_required(REVIEWER, IMPORTING_NEEDS)
def pipeline_import_status(request, pk):
    return render(request, "detections/import_status.html", {"job": get_object_or_404(PipelineImport, pk=pk)})
