"""htmx requests and the login page: a request whose session expired is redirected to the login page
by login_required; for an htmx request that redirect would be followed inside the XMLHttpRequest and
the login page swapped into a fragment. This middleware answers it with HX-Redirect instead, so that
htmx loads the login page as a whole page (and comes back to the page the person was on)."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

REDIRECTS = (301, 302, 303, 307, 308)


def is_htmx(request):
    return request.headers.get("HX-Request") == "true"


class HtmxLoginRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_htmx(request) or response.status_code not in REDIRECTS:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != login:
            return response
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        page = current.path + (f"?{current.query}" if current.query else "")
        if not page or not url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
            page = "/"
        answer = HttpResponse(status=200)
        answer["HX-Redirect"] = f"{login}?{urlencode({'next': page})}"
        return answer
