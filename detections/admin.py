from django import forms
from django.contrib import admin

from detections import deployments
from detections.models import ClockCorrection, Deployment, Detection, DetectionCorrection, Image, Location, Outage


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


def _raise(form, problems):
    for field, message in problems:
        form.add_error(field if field in form.fields else None, message)


class DeploymentForm(forms.ModelForm):
    class Meta:
        model = Deployment
        # clock_offset is changed through clock_offset_set (it re-times images and keeps history)
        fields = [*deployments.DESCRIBING_FIELDS, "inferred"]

    def clean(self):
        data = super().clean()
        _raise(
            self,
            deployments.deployment_problems(
                data.get("location"), data.get("setup_at"), data.get("pickup_at"), self.instance
            ),
        )
        return data


class OutageForm(forms.ModelForm):
    class Meta:
        model = Outage
        fields = ["start_at", "end_at", "reason"]

    def clean(self):
        data = super().clean()
        deployment = self.instance.deployment if self.instance.deployment_id else None
        if deployment is not None:
            _raise(
                self, deployments.outage_problems(deployment, data.get("start_at"), data.get("end_at"), self.instance)
            )
        return data


class OutageInline(admin.TabularInline):
    model = Outage
    form = OutageForm
    extra = 0


class ClockCorrectionInline(admin.TabularInline):
    model = ClockCorrection
    extra = 0
    can_delete = False
    readonly_fields = ["old_offset", "new_offset", "images", "detections", "user", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    form = DeploymentForm
    list_display = ["location", "setup_at", "pickup_at", "camera_id", "bait_use", "clock_offset", "inferred"]
    list_filter = ["inferred", "bait_use", "feature_type", "location"]
    search_fields = ["camera_id", "camera_model", "notes", "setup_by"]
    date_hierarchy = "setup_at"
    readonly_fields = ["clock_offset", "created_at"]
    inlines = [OutageInline, ClockCorrectionInline]
