from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Export history with the live status and progress (the row is the job's state) and the queue dashboard."""

    list_display = [
        "id",
        "kind",
        "requested_by",
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
    readonly_fields = ["live_status", "live_progress", "error", "queue_dashboard"]
    change_list_template = "exports/admin_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "rq_dashboard_url": reverse("django_rq:home")}
        return super().changelist_view(request, extra_context)

    @admin.display(description="live status", ordering="status")
    def live_status(self, obj):
        return f"{obj.state} ({obj.stage})" if obj.stage else obj.state

    @admin.display(description="progress")
    def live_progress(self, obj):
        return format_html('<progress max="100" value="{}"></progress> {}%', obj.progress_percent, obj.progress_percent)

    @admin.display(description="job queue")
    def queue_dashboard(self, obj):
        return format_html('<a href="{}">django-rq dashboard</a>', reverse("django_rq:home"))
