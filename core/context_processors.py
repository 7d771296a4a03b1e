"""Template context for every page: what the signed-in user's role lets the menu offer."""

from core.roles import REVIEWER, has_role


def roles(request):
    user = getattr(request, "user", None)
    return {"can_review": has_role(user, REVIEWER)} if user is not None and user.is_authenticated else {}
