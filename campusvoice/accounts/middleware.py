import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from campusvoice.accounts import access, two_factor

logger = logging.getLogger(__name__)


class AccessPolicyMiddleware:
    """Enforce each view's declared policy; refuse views that declare none (fail closed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match and match.namespace == "admin":
            policy = "admin.site"
        else:
            policy = access.policy_of(view_func)

        if policy is None:
            logger.error("view without an access policy: %s", match.view_name if match else view_func)
            return self._deny(request, status=403)
        if policy == access.PUBLIC:
            return None

        user = request.user
        if not user.is_authenticated:
            if request.htmx:
                response = HttpResponse(status=401)
                response["HX-Redirect"] = reverse(settings.LOGIN_URL)
                return response
            return redirect_to_login(request.get_full_path())

        if not getattr(view_func, "two_factor_exempt", False):
            step = two_factor.pending_step(request)
            if step == "verify":
                return redirect(f"{reverse('accounts:two-factor-verify')}?next={request.get_full_path()}")
            if step == "setup":
                return redirect("accounts:two-factor-setup")

        if policy == access.SIGNED_IN or access.can(user, policy):
            return None
        return self._deny(request, status=403)

    def _deny(self, request, *, status):
        return render(request, "403.html", status=status)
