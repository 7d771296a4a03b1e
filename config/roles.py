"""The three staff roles (Django groups made by a data migration) and DRF permissions for them.

viewer < reviewer < manager; superusers hold every role.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

VIEWER, REVIEWER, MANAGER = "viewer", "reviewer", "manager"
ROLE_ORDER = [VIEWER, REVIEWER, MANAGER]


def has_role(user, role):
    """True when the user holds `role` or a higher one."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    wanted = ROLE_ORDER.index(role)
    names = set(user.groups.values_list("name", flat=True))
    return any(name in names and ROLE_ORDER.index(name) >= wanted for name in ROLE_ORDER)


class IsReviewer(BasePermission):
    message = "This action needs the reviewer or manager role."

    def has_permission(self, request, view):
        return has_role(request.user, REVIEWER)


class IsManager(BasePermission):
    message = "This action needs the manager role."

    def has_permission(self, request, view):
        return has_role(request.user, MANAGER)


class ReadOrReviewer(BasePermission):
    """Anyone signed in may read; writing needs the reviewer role."""

    message = IsReviewer.message

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return has_role(request.user, REVIEWER)
