from django.urls import path

from detections import deployment_pages, import_views, views

app_name = "detections"
urlpatterns = [
    path("detections/", views.detection_browse, name="browse"),
    path("detections/stats", views.detection_stats, name="stats"),
    path("detections/batch-review", views.detection_batch_review, name="batch-review"),
    path("detections/<uuid:pk>/review", views.detection_review, name="review"),
    path("locations/<uuid:pk>/deployments/", deployment_pages.location_deployments_page, name="location-deployments"),
    path("detections/<uuid:pk>/", views.detection_view, name="view"),
    path("detections/<uuid:pk>/undo", views.detection_undo, name="undo"),
    path("detections/<uuid:pk>/box", views.detection_box, name="box"),
    path("detections/<uuid:pk>/add-box", views.detection_add_box, name="add-box"),
    path("detections/import", import_views.pipeline_import, name="import"),
    path("detections/import/<uuid:pk>/", import_views.pipeline_import_detail, name="import-detail"),
    path("detections/import/<uuid:pk>/status/", import_views.pipeline_import_status, name="import-status"),
]
