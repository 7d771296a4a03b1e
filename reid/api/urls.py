from django.urls import path
from rest_framework.routers import SimpleRouter

from reid.api.views import AnalysisView, BackfillView, DeerViewSet, ReidRunViewSet, ReprocessView, ReviewViewSet

app_name = "reid_api"

router = SimpleRouter()
router.trailing_slash = "/?"  # both /api/deer/ and /api/deer (the detections API has no slashes)
router.register("deer", DeerViewSet, basename="deer")
router.register("reid/review", ReviewViewSet, basename="review")
router.register("reid/runs", ReidRunViewSet, basename="reid-run")

urlpatterns = [
    path("reid/analysis", AnalysisView.as_view(), name="analysis"),
    path("reid/analysis/", AnalysisView.as_view()),
    path("reid/reprocess", ReprocessView.as_view(), name="reprocess"),
    path("reid/backfill", BackfillView.as_view(), name="backfill"),
] + router.urls
