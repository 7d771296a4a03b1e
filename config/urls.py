from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.health import healthz

urlpatterns = [
    path("", include("dashboard.urls")),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # export status polling is the hottest path: its patterns are tried first
    path("api/", include("exports.api.urls")),
    path("api/", include("detections.api.urls")),
    path("api/", include("reid.api.urls")),
    path("api/", include("reports.api.urls")),
    path("deer/", include("reid.deer_urls")),
    path("", include("detections.urls")),
    path("", include("reid.urls")),
    path("", include("exports.urls")),
    path("", include("reports.urls")),
]

handler404 = "core.error_pages.not_found"
handler403 = "core.error_pages.permission_denied"
handler500 = "core.error_pages.server_error"
