from django.urls import path, re_path

from exports.api import views

app_name = "exports_api"
urlpatterns = [
    path("exports/pdf", views.PdfExportView.as_view(), name="pdf"),
    path("exports/pdf/<str:job_id>", views.PdfExportStatusView.as_view(), name="pdf-status"),
    path("exports/zip", views.ZipExportView.as_view(), name="zip"),
    path("exports/zip/<str:job_id>", views.ZipExportStatusView.as_view(), name="zip-status"),
    path("exports/camtrap-dp", views.CamtrapDpExportView.as_view(), name="camtrap-dp"),
    path("exports/camtrap-dp/<str:job_id>", views.CamtrapDpExportStatusView.as_view(), name="camtrap-dp-status"),
    path("exports/megadetector", views.MegaDetectorExportView.as_view(), name="megadetector"),
    path("exports/megadetector/<str:job_id>", views.MegaDetectorExportStatusView.as_view(), name="megadetector-status"),
    path("exports/training-data", views.TrainingExportView.as_view(), name="training-data"),
    path("exports/training-data/<str:job_id>", views.TrainingExportStatusView.as_view(), name="training-data-status"),
    path("exports/<str:job_id>", views.ExportDeleteView.as_view(), name="delete"),
    # Any path, so that traversal attempts reach the view and get a clean 404.
    re_path(r"^static/exports/(?P<filename>.*)$", views.ExportDownloadView.as_view(), name="download"),
]
