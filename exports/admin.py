from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from exports import status
from exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Export history with the live status and progress read from Redis, and the queue dashboard."""

    list_display = [
        "id",
        "kind",
        "requested_by",
        "status",
        "live_status",
        "live_progress",
        "filename",
        "file_size_bytes",
        "created_at",
        "completed_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["id", "filename", "requested_by__username"]
    raw_id_fields = ["requested_by"]
    readonly_fields = ["live_status", "live_progress", "live_error", "queue_dashboard"]
    change_list_template = "exports/admin_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "rq_dashboard_url": reverse("django_rq:home")}
        return super().changelist_view(request, extra_context)

    def _doc(self, obj):
        cache = getattr(self, "_docs", None)
        if cache is None or obj.pk not in cache:
            try:
                doc = status.read(obj.pk)[0]
            except Exception:  # Redis down: the history is still shown
                doc = {"status": "redis unavailable"}
            self._docs = {**(cache or {}), obj.pk: doc}
        return self._docs[obj.pk]

    @admin.display(description="live status")
    def live_status(self, obj):
        doc = self._doc(obj)
        if doc is None:
            return "expired" if obj.status != ExportJob.Status.PROCESSING else "key missing"
        return f"{doc['status']} ({doc.get('stage', '')})" if doc.get("stage") else doc["status"]

    @admin.display(description="progress")
    def live_progress(self, obj):
        doc = self._doc(obj)
        if not doc or "progress_percent" not in doc:
            return "-"
        return format_html(
            '<progress max="100" value="{}"></progress> {}%', doc["progress_percent"], doc["progress_percent"]
        )

    @admin.display(description="live error")
    def live_error(self, obj):
        doc = self._doc(obj)
        return (doc or {}).get("error") or "-"

    @admin.display(description="job queue")
    def queue_dashboard(self, obj):
        return format_html('<a href="{}">django-rq dashboard</a>', reverse("django_rq:home"))
