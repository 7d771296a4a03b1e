from django.urls import path

from detections import import_views, views

app_name = "detections"
urlpatterns = [
    path("detections/", views.detection_browse, name="browse"),
    path("detections/batch-review", views.detection_batch_review, name="batch-review"),
    path("detections/<uuid:pk>/review", views.detection_review, name="review"),
    path("detections/import", import_views.pipeline_import, name="import"),
    path("detections/import/<uuid:pk>/", import_views.pipeline_import_detail, name="import-detail"),
    path("detections/import/<uuid:pk>/status/", import_views.pipeline_import_status, name="import-status"),
]
