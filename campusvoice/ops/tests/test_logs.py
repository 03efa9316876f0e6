"""Request ids, JSON log lines, error pages with a reference, and error reports without data."""

import copy
import io
import json
import logging
import logging.config
import sys

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import path

from campusvoice.accounts.access import public
from campusvoice.ops.logs import SafeExceptionReporter, redact
from campusvoice.urls import urlpatterns as project_urlpatterns

CANARY_EMAIL = "canary.trust@example.org"
CANARY_TOKEN = "Zq8xT3kLm9Pw2Rv7Ys4Nb6Hc1Jd5Gf0A"
# Tracebacks quote source lines: the text must reach the code through a name, not a literal.
CANARY_STORY = "CANARY STORY TEXT"


@public
def boom(request):
    raise RuntimeError(f"could not reach {CANARY_EMAIL} with {CANARY_TOKEN}")


# This module is also the URLconf of the tests below that need a view that fails.
urlpatterns = [*project_urlpatterns, path("boom/", boom)]
handler500 = "campusvoice.ops.views.server_error"


@pytest.fixture
def json_log():
    """The production console handler (filters and JSON formatter from settings.LOGGING), writing
    into a buffer; returns a function that parses the lines written so far."""
    config = copy.deepcopy(settings.LOGGING)
    configurator = logging.config.DictConfigurator(config)
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(configurator.configure_formatter(config["formatters"]["json"]))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(configurator.configure_filter(config["filters"][name]))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in handler.stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_it_gives_each_request_an_id_and_returns_it(client, db):
    first = client.get("/health/")
    second = client.get("/health/")

    assert len(first["X-Request-ID"]) == 16
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_it_keeps_a_safe_incoming_request_id(client, db):
    response = client.get("/health/", headers={"X-Request-ID": "proxy-4f2a9c1e.77"})

    assert response["X-Request-ID"] == "proxy-4f2a9c1e.77"


@pytest.mark.parametrize(
    "incoming", ["short", "has space in it", "x" * 65, "evil\u2028line-break", "a/b/c/d/e/f"]
)
def test_it_replaces_an_unsafe_incoming_request_id(client, db, incoming):
    response = client.get("/health/", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 16


def test_the_404_page_shows_the_reference_of_its_log_line(client, db, json_log):
    response = client.get(f"/no-such-page/?email={CANARY_EMAIL}")

    reference = response["X-Request-ID"]
    assert response.status_code == 404
    assert f"<code>{reference}</code>" in response.text
    [line] = [line for line in json_log() if line["logger"] == "django.request"]
    assert line["request_id"] == reference
    assert line["level"] == "WARNING"
    assert CANARY_EMAIL not in json.dumps(json_log())


@pytest.mark.urls("campusvoice.ops.tests.test_logs")
def test_the_500_page_shows_the_reference_of_the_error_and_the_log_holds_no_personal_data(
    client, db, json_log
):
    client.raise_request_exception = False

    response = client.post(
        f"/boom/?email={CANARY_EMAIL}", {"story": "CANARY STORY TEXT", "email": CANARY_EMAIL}
    )

    reference = response["X-Request-ID"]
    assert response.status_code == 500
    assert f"<code>{reference}</code>" in response.text
    [line] = [line for line in json_log() if line["level"] == "ERROR"]
    assert line["request_id"] == reference
    assert line["logger"] == "django.request"
    assert "RuntimeError: could not reach [e-mail] with [token]" in line["exc_info"]
    written = json.dumps(json_log())
    assert CANARY_EMAIL not in written
    assert CANARY_TOKEN not in written
    assert "CANARY STORY TEXT" not in written


def test_log_lines_outside_a_request_have_a_dash_for_request_id(json_log):
    logging.getLogger("campusvoice.test").warning("nightly job done: %s rows", 12)

    [line] = json_log()
    assert line == line | {"message": "nightly job done: 12 rows", "request_id": "-", "level": "WARNING"}
    assert "timestamp" in line


def test_redact_blanks_addresses_tokens_and_constraint_values_but_keeps_code_names():
    text = (
        'duplicate key value violates unique constraint "supporters_emailaddress_email"\n'
        "DETAIL:  Key (lower(email::text))=(anna@example.org) already exists.\n"
        f"token {CANARY_TOKEN} for bob.smith+x@mail.example.co.uk"
    )

    cleaned = redact(text)

    assert "supporters_emailaddress_email" in cleaned
    assert "Key (lower(email::text))=(…) already exists." in cleaned
    assert "anna@example.org" not in cleaned
    assert "token [token] for [e-mail]" in cleaned


def test_error_reports_in_production_hide_form_values_query_strings_and_locals(settings):
    settings.DEBUG = False
    request = RequestFactory().post(
        f"/p/consent/sign/?email={CANARY_EMAIL}", {"story": CANARY_STORY, "email": CANARY_EMAIL}
    )

    def sign(story):
        raise ValueError("rejected")

    try:
        sign(CANARY_STORY)
    except ValueError:
        report = SafeExceptionReporter(request, *sys.exc_info())
        text = report.get_traceback_text() + report.get_traceback_html()

    assert "story" in text  # the field names stay, to help debugging
    assert CANARY_STORY not in text
    assert CANARY_EMAIL not in text


def test_settings_use_the_safe_reporters():
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER == "campusvoice.ops.logs.SafeExceptionReporterFilter"
    assert settings.DEFAULT_EXCEPTION_REPORTER == "campusvoice.ops.logs.SafeExceptionReporter"
    assert "mail_admins" not in json.dumps(settings.LOGGING)
