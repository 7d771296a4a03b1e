from django.urls import path

from reid import deer_views

app_name = "deer"
urlpatterns = [
    path("", deer_views.deer_gallery, name="gallery"),
    path("<uuid:pk>/", deer_views.deer_detail, name="detail"),
    path("<uuid:pk>/edit", deer_views.deer_edit, name="edit"),
    path("<uuid:pk>/merge", deer_views.deer_merge_view, name="merge"),
    path("<uuid:pk>/split", deer_views.deer_split_view, name="split"),
    path("<uuid:pk>/undo", deer_views.deer_undo_view, name="undo"),
]
