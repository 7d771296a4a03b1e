from django.urls import path
from rest_framework.routers import SimpleRouter

from detections.api.deployment_views import DeploymentViewSet, OutageViewSet
from detections.api.detection_views import DetectionViewSet
from detections.api.import_views import PipelineImportCreateView, PipelineImportStatusView
from detections.api.views import ImageViewSet, LocationViewSet

app_name = "detections_api"

router = SimpleRouter(trailing_slash="")
router.register("locations", LocationViewSet, basename="location")
router.register("images", ImageViewSet, basename="image")
router.register("detections", DetectionViewSet, basename="detection")
router.register("deployments", DeploymentViewSet, basename="deployment")
router.register("outages", OutageViewSet, basename="outage")

urlpatterns = router.urls + [
    path(
        "imports/megadetector", PipelineImportCreateView.as_view(file_format="megadetector"), name="import-megadetector"
    ),
    path("imports/speciesnet", PipelineImportCreateView.as_view(file_format="speciesnet"), name="import-speciesnet"),
    path("imports/<str:pk>", PipelineImportStatusView.as_view(), name="import-status"),
]
