"""Pagination for the big lists: cursor (keyset) pagination, so a deep page costs what the first does."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class TakenAtCursorPagination(CursorPagination):
    """Newest first by capture time; `?ordering=` may choose another indexed field (see the view)."""

    ordering = ("-taken_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class SmallPagePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
