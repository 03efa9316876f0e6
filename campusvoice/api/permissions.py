"""What the caller may do: each API view's capability, checked against access.CAPABILITIES.

See authentication.py for why API views are `public` for AccessPolicyMiddleware and checked here.
"""

from rest_framework import permissions

from campusvoice.accounts import access


class HasCapability(permissions.BasePermission):
    """The member behind the token must hold the view's `capability` (for this HTTP method).

    A view sets `capability = "…"` or, when reads and writes differ, `capabilities = {"GET": …,
    "POST": …}`. `access.SIGNED_IN` means any active member. No declaration: refused (fail closed).
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if request.method == "OPTIONS" or not hasattr(view, request.method.lower()):
            return True  # DRF answers 405 (or OPTIONS' description); nothing is read or written
        capability = getattr(view, "capabilities", {}).get(request.method) or getattr(
            view, "capability", None
        )
        if capability is None:
            return False
        if capability == access.SIGNED_IN:
            return True
        return access.can(user, capability)
