from django.urls import re_path
from rest_framework.routers import SimpleRouter

from reid.api.views import AnalysisView, BackfillView, DeerViewSet, ReidRunViewSet, ReprocessView, ReviewViewSet

app_name = "reid_api"

router = SimpleRouter()
router.trailing_slash = "/?"  # both /api/deer/ and /api/deer (the detections API has no slashes)
router.register("deer", DeerViewSet, basename="deer")
router.register("reid/review", ReviewViewSet, basename="review")
router.register("reid/runs", ReidRunViewSet, basename="reid-run")

urlpatterns = [
    re_path(r"^reid/analysis/?$", AnalysisView.as_view(), name="analysis"),
    re_path(r"^reid/reprocess/?$", ReprocessView.as_view(), name="reprocess"),
    re_path(r"^reid/backfill/?$", BackfillView.as_view(), name="backfill"),
] + router.urls
