from django.contrib import admin

from exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "requested_by", "status", "filename", "file_size_bytes", "created_at", "completed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["id", "filename", "requested_by__username"]
    raw_id_fields = ["requested_by"]
