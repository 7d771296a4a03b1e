"""The three staff roles (Django groups made by a data migration): the check, a page-view decorator
and DRF permissions.

viewer < reviewer < manager; superusers hold every role.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string
from rest_framework.permissions import SAFE_METHODS, BasePermission

VIEWER, REVIEWER, MANAGER = "viewer", "reviewer", "manager"
ROLE_ORDER = [VIEWER, REVIEWER, MANAGER]
NEEDS = {
    VIEWER: "This action needs a staff role.",
    REVIEWER: "This action needs the reviewer or manager role.",
    MANAGER: "This action needs the manager role.",
}


def has_role(user, role):
    """True when the user holds `role` or a higher one."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    wanted = ROLE_ORDER.index(role)
    names = set(user.groups.values_list("name", flat=True))
    return any(name in names and ROLE_ORDER.index(name) >= wanted for name in ROLE_ORDER)


def role_required(role, message=None):
    """Page-view decorator: sign-in first (redirect to the login page), then 403 with `message`
    (default: the role's NEEDS text) unless the user holds `role` or a higher one."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, role):
                reason = message or NEEDS[role]
                return HttpResponseForbidden(render_to_string("403.html", {"reason": reason}, request=request))
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


class IsReviewer(BasePermission):
    message = NEEDS[REVIEWER]

    def has_permission(self, request, view):
        return has_role(request.user, REVIEWER)


class IsManager(BasePermission):
    message = NEEDS[MANAGER]

    def has_permission(self, request, view):
        return has_role(request.user, MANAGER)


class ReadOrReviewer(BasePermission):
    """Anyone signed in may read; writing needs the reviewer role."""

    message = IsReviewer.message

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return has_role(request.user, REVIEWER)
