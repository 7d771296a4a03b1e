from django.contrib import admin

from reid.models import Deer, ReidRun, RejectedCandidate, ReviewItem, SimilarityScore


@admin.register(Deer)
class DeerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "sex", "status", "sighting_count", "first_seen", "last_seen", "embedding_model"]
    list_filter = ["sex", "status", "embedding_model"]
    search_fields = ["name", "notes", "id"]
    raw_id_fields = ["best_detection"]
    exclude = ["centroid"]
    readonly_fields = ["sighting_count", "first_seen", "last_seen", "created_at", "updated_at"]


@admin.register(ReidRun)
class ReidRunAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "status",
        "stage",
        "progress_percent",
        "threshold",
        "dry_run",
        "processed_count",
        "linked_count",
        "review_count",
        "created_count",
    ]
    list_filter = ["kind", "status", "dry_run"]
    raw_id_fields = ["requested_by"]
    readonly_fields = ["status", "stage", "progress_percent", "error", "rq_job_id", "started_at", "completed_at"]


@admin.register(SimilarityScore)
class SimilarityScoreAdmin(admin.ModelAdmin):
    list_display = ["detection", "deer", "score", "rank", "sex_match", "matched", "threshold_used", "calculated_at"]
    list_filter = ["matched", "sex_match"]
    raw_id_fields = ["run", "detection", "deer"]
    show_full_result_count = False


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ["detection", "status", "best_score", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["detection", "run", "decided_by"]


@admin.register(RejectedCandidate)
class RejectedCandidateAdmin(admin.ModelAdmin):
    list_display = ["detection", "deer", "rejected_by", "created_at"]
    raw_id_fields = ["detection", "deer", "rejected_by"]
