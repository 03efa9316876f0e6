"""The public pages under /p/ (petitions, signing, confirming, stories) with a shorter middleware list.

Anyone may open them and none uses a session, a signed-in user, messages or htmx: of the fifteen
middlewares in settings.MIDDLEWARE they need eight (PUBLIC_MIDDLEWARE below); the other seven cost
the busiest page, the petition, about a quarter of its CPU. `campusvoice.wsgi.application`
sends /p/ to a Django handler built with this list and everything else to the usual one; URL
resolution, the views, the security headers, CSP, CSRF and the access policy are the same.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

PREFIX = "/p/"

# In settings.MIDDLEWARE's order. Left out: WhiteNoise (no static file is under /p/), sessions,
# authentication, OTP, messages, htmx and axes (sign-in only).
PUBLIC_MIDDLEWARE = [
    "campusvoice.ops.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # /p/<slug>/ sends visitors to their language, and error pages (403, 404) speak it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "campusvoice.accounts.middleware.AccessPolicyMiddleware",
]


def public_middleware() -> list[str]:
    """PUBLIC_MIDDLEWARE, checked against settings.MIDDLEWARE: same order, nothing new."""
    missing = [name for name in PUBLIC_MIDDLEWARE if name not in settings.MIDDLEWARE]
    ordered = sorted(PUBLIC_MIDDLEWARE, key=settings.MIDDLEWARE.index) if not missing else None
    if missing or ordered != PUBLIC_MIDDLEWARE:
        raise RuntimeError(f"PUBLIC_MIDDLEWARE must be an ordered subset of settings.MIDDLEWARE: {missing}")
    return PUBLIC_MIDDLEWARE


class PublicPagesHandler(WSGIHandler):
    """Django's WSGI handler, with PUBLIC_MIDDLEWARE instead of settings.MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        # BaseHandler reads settings.MIDDLEWARE: lend it the short list while the chain is built
        # (once, at start-up, before any request).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = public_middleware()
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def dispatching(application, public_application):
    """A WSGI application that sends /p/ to `public_application` and the rest to `application`."""

    def dispatch(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return public_application(environ, start_response)
        return application(environ, start_response)

    return dispatch
