"""Logs that help without telling on anyone: a request id on every line, personal data scrubbed.

- `RequestIdMiddleware` gives each request an id (an incoming X-Request-ID when it is a safe
  token, so the proxy's id carries through), returns it as X-Request-ID, and error pages show it as
  the reference a person can quote.
- `RequestIdFilter` puts that id on every log record made while the request runs.
- `ScrubFilter` drops the request object Django attaches to its records (its repr carries the
  query string) and blanks e-mail addresses and token-like strings in messages and tracebacks.
- `SafeExceptionReporterFilter` keeps POST and GET values, cookies and local variables out of
  Django's error reports in production.
"""

import logging
import re
import secrets
from contextvars import ContextVar

from django.views import debug

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Letters, digits and . _ - only, 8 to 64 of them: nothing that could forge a log line or a header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

REDACTIONS = [
    # PostgreSQL quotes the offending values of a constraint violation: Key (email)=(…).
    (
        re.compile(r"(Key \(.+?\)=)\(.*?\)(?=\s+(?:already exists|is not present|conflicts)|\.?$)", re.M),
        r"\1(…)",
    ),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    # Confirmation links, API and access tokens: long unbroken runs of token characters
    # (with a digit and a letter, so long code names such as table names stay readable).
    (re.compile(r"(?<![\w-])(?=[A-Za-z_-]*\d)(?=[\d_-]*[A-Za-z])[A-Za-z0-9_-]{24,}(?![\w-])"), "[token]"),
]


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    """Gives each request an id: `request.request_id`, the X-Request-ID header, every log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
        token = _request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the running request's, or "-" outside a request."""

    def filter(self, record):
        if getattr(record, "request_id", None):
            return True  # another handler's filter got here first (and may have dropped the request)
        # Django logs a 4xx/5xx response after the middleware returned, with the request attached.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or _request_id.get() or "-"
        return True


class ScrubFilter(logging.Filter):
    """Keeps personal data and tokens out of log lines and the tracebacks attached to them."""

    _formatter = logging.Formatter()

    def filter(self, record):
        record.__dict__.pop("request", None)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info:
            record.exc_text = redact(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class SafeExceptionReporterFilter(debug.SafeExceptionReporterFilter):
    """Django's error reports in production (DEBUG off): no form values, query strings or locals.

    Django only hides the POST fields a view marks with @sensitive_post_parameters; in campusvoice
    any field may hold a disclosure or an address, so every value is hidden.
    """

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if self.is_active(request):
            for key in ("QUERY_STRING", "HTTP_REFERER", "REMOTE_ADDR", "HTTP_X_FORWARDED_FOR"):
                if key in meta:
                    meta[key] = self.cleansed_substitute
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class SafeExceptionReporter(debug.ExceptionReporter):
    """Hides the query string (in the URL and the GET list) and cookie values too."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None and self.filter.is_active(self.request):
            data["request_insecure_uri"] = self.request.build_absolute_uri(self.request.path)
            data["request_GET_items"] = [(key, self.filter.cleansed_substitute) for key in self.request.GET]
            data["request_COOKIES_items"] = [
                (key, self.filter.cleansed_substitute) for key in self.request.COOKIES
            ]
        return data
