"""Who is calling: the `OSDI-API-Token` header, as Action Network's API takes it.

How API views meet the access policy
------------------------------------
AccessPolicyMiddleware sees every view before it runs and knows only Django sessions: it would send
a token-authenticated client to the log-in page. So every API view is declared `@public` *for the
middleware* (ApiView sets `campusvoice_access = "public"`), and DRF does the checking instead:

1. OsdiTokenAuthentication (here) turns the header into the token's member; no header or a bad
   one is a 401. Sessions are not accepted, so a browser's cookie never reaches the API (no CSRF
   surface) and 2FA does not apply to tokens (they are made in a signed-in, verified session or
   by an admin on the command line).
2. HasCapability (permissions.py) reads the capability each view declares (`capability =
   "supporters.view"`) and asks `access.can()`, so the API uses the very same CAPABILITIES table
   as the pages. A view that declares nothing is refused, as the middleware refuses pages.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from campusvoice.api import services

HEADER = "OSDI-API-Token"


class OsdiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        raw = request.META.get("HTTP_OSDI_API_TOKEN")
        if raw is None:
            return None  # NotAuthenticated (401) once a permission needs a member
        token = services.api_token_authenticate(raw=raw.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API token."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this WWW-Authenticate) rather than 403 without a token.
        return HEADER


class OsdiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token header in the OpenAPI document (drf-spectacular finds it by target)."""

    target_class = OsdiTokenAuthentication
    name = "OsdiApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": HEADER}
