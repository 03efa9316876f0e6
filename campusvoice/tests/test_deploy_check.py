"""In production mode the deployment checks pass without a warning, and HTTPS is enforced:
secure cookies, HSTS and a redirect from plain HTTP. Each runs as a separate process, as an
operator would start it."""

import json

from campusvoice.ops.tests.conftest import campusvoice

PROBE = """
import json
from django.conf import settings
from django.test import Client, override_settings
client = Client()
# No collectstatic here: plain static storage, so the page renders without a manifest.
storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    plain = client.get("/accounts/login/", HTTP_HOST="example.org")
    secure = client.get("/accounts/login/", HTTP_HOST="example.org", secure=True)
csrf = secure.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csrf_cookie_flag": bool(csrf and csrf["secure"]),
    "csp": secure.get("Content-Security-Policy", ""),
    "x_frame_options": secure.get("X-Frame-Options", ""),
}))
"""


def test_check_deploy_reports_nothing_with_https_on(production_env):
    production_env["CAMPUSVOICE_HTTPS"] = "true"

    result = campusvoice("check", "--deploy", "--fail-level", "WARNING", env=production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


def test_https_on_means_secure_cookies_hsts_and_a_redirect_from_http(production_env):
    production_env["CAMPUSVOICE_HTTPS"] = "true"

    result = campusvoice("shell", "--no-imports", "-c", PROBE, env=production_env)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["session_cookie_secure"] and seen["csrf_cookie_secure"] and seen["session_cookie_httponly"]
    assert seen["hsts_seconds"] >= 31_536_000
    assert seen["plain_status"] == 301 and seen["plain_location"].startswith("https://example.org/")
    assert seen["secure_status"] == 200
    assert seen["hsts"].startswith("max-age=31536000") and "includeSubDomains" in seen["hsts"]
    assert seen["csrf_cookie_flag"], "the CSRF cookie is sent without the Secure flag"
    assert "'unsafe-inline'" not in seen["csp"] and seen["x_frame_options"] == "DENY"
