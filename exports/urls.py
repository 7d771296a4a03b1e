from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("exports/", views.export_list, name="list"),
    path("exports/from-detections", views.export_detections, name="from-detections"),
    path("exports/<str:job_id>/", views.export_detail, name="detail"),
    path("exports/<str:job_id>/status/", views.export_status_fragment, name="status"),
    path("exports/<str:job_id>/cancel/", views.export_cancel, name="cancel"),
]
