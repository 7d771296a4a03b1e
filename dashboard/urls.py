from django.urls import path

from dashboard import upload, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("upload/", upload.upload_page, name="upload"),
    path("upload/file", upload.upload_file, name="upload-file"),
]
