from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from huiyin.org.access import reach_of


def require_perm(*perms: str):
    """The view needs a signed-in person holding any one of `perms`; otherwise 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            reach = reach_of(request.user)
            if not any(reach.can(p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
