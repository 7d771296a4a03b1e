from django.urls import path

from reid import views

app_name = "reid"
urlpatterns = [
    path("reid/analysis/", views.analysis_page, name="analysis"),
    path("reid/analysis/recompute", views.analysis_recompute, name="analysis-recompute"),
    path("reid/review/", views.review_page, name="review"),
    path("reid/review/<uuid:pk>/decide", views.review_decide, name="review-decide"),
]
