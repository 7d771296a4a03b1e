from django.contrib import admin

from detections.models import Detection, DetectionCorrection, Image, Location


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "latitude", "longitude", "timezone", "active", "created_at"]
    list_filter = ["active", "timezone"]
    search_fields = ["name", "description"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["filename", "location", "taken_at", "width", "height", "status"]
    list_filter = ["status", "location"]
    search_fields = ["filename", "sha256"]
    date_hierarchy = "taken_at"
    raw_id_fields = ["location"]
    readonly_fields = ["sha256", "created_at"]


class DetectionCorrectionInline(admin.TabularInline):
    model = DetectionCorrection
    extra = 0
    can_delete = False
    readonly_fields = ["field", "old_value", "new_value", "user", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Detection)
class DetectionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "taken_at",
        "location",
        "classification",
        "corrected_classification",
        "confidence",
        "is_valid",
        "is_duplicate",
        "is_reviewed",
        "deer",
    ]
    list_filter = ["classification", "corrected_classification", "is_valid", "is_duplicate", "is_reviewed", "location"]
    search_fields = ["id", "image__filename", "deer__name"]
    date_hierarchy = "taken_at"
    raw_id_fields = ["image", "deer", "reviewed_by"]
    readonly_fields = ["location", "taken_at", "effective_classification", "embedding_model", "created_at"]
    exclude = ["embedding"]
    inlines = [DetectionCorrectionInline]
    list_select_related = ["location", "deer"]
    show_full_result_count = False


@admin.register(DetectionCorrection)
class DetectionCorrectionAdmin(admin.ModelAdmin):
    list_display = ["detection", "field", "old_value", "new_value", "user", "created_at"]
    list_filter = ["field"]
    search_fields = ["detection__id", "user__username"]
    raw_id_fields = ["detection", "user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
