from django.urls import path

from reports.api import views

app_name = "reports_api"
urlpatterns = [
    path("reports/activity", views.ActivityReportView.as_view(), name="activity"),
    path("reports/comparison", views.ComparisonReportView.as_view(), name="comparison"),
    path("reports/occupancy", views.OccupancyView.as_view(), name="occupancy"),
    path("reports/overlap", views.OverlapReportView.as_view(), name="overlap"),
    path("reports/census", views.CensusReportView.as_view(), name="census"),
]
