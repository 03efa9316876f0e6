"""gunicorn's own messages (start-up, workers booting, timing out, failing) in our log format.

`campusvoice serve` runs gunicorn with `--logger-class=campusvoice.ops.gunicorn_logs.Logger`, so
its error log goes through the formatter and filters of `settings.LOGGING` (one JSON object per
line in production, with `request_id` "-") instead of gunicorn's plain text, and:

- it never writes an access log, whatever its options or GUNICORN_CMD_ARGS ask: each line would
  hold the client's address and the path and query string of the request (confirmation and
  unsubscribe links, tokens) of people who may be reading about sexual violence. A proxy that must
  log requests can keep a short-lived log of its own (docs/deploy.md).
- the client's address and the request target in gunicorn's own messages ("Invalid request from
  ip=…: Invalid HTTP request line: 'GET /…'", "Error handling request GET /…") are blanked.
"""

import copy
import logging
import logging.config
import os
import re

from gunicorn import glogging

# An absolute path (not the `//` of a URL, not a `unix:/…` socket), or the path of an absolute URL:
# "GET /u/…" at debug level. "Listening at: http://127.0.0.1:8000" keeps its address: it is ours.
REQUEST_PATH = re.compile(r"(?<![\w.:/])/[^\s'\"]*")
URL_PATH = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s'\"]+)/[^\s'\"]*", re.I)


def gunicorn_message_scrub(message: str) -> str:
    """The message without client addresses, request targets, query strings or echoed input."""
    if message.startswith("Invalid request from ip="):
        # "Invalid request from ip=203.0.113.9: Invalid HTTP Version: 'EN?q=… HTTP/1.1'": what
        # follows the kind of error is the client's own text, cut anywhere in the request line.
        _address, _sep, error = message.partition(": ")
        kind = re.split(r"[:'\"(]", error, maxsplit=1)[0].strip()
        return f"Invalid request from ip=[address]: {kind}"
    if message.startswith("Error handling request"):
        return "Error handling request"  # the method and target follow; the traceback says where
    message = URL_PATH.sub(r"\1/[path]", message)
    return REQUEST_PATH.sub("[path]", message)


class GunicornScrubFilter(logging.Filter):
    """Blanks client addresses and request targets in gunicorn's messages (not in tracebacks)."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = gunicorn_message_scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _console_handler_parts() -> tuple[logging.Formatter, list[logging.Filter]]:
    """The formatter and filters of settings.LOGGING's console handler, built as dictConfig would."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
    from django.conf import settings

    config = copy.deepcopy(settings.LOGGING)
    handler = config["handlers"]["console"]
    configurator = logging.config.DictConfigurator(config)
    formatter = configurator.configure_formatter(config["formatters"][handler["formatter"]])
    filters = [configurator.configure_filter(config["filters"][name]) for name in handler.get("filters", [])]
    return formatter, filters


class Logger(glogging.Logger):
    """gunicorn's logger with our formatter and filters, and no access log."""

    def setup(self, cfg):
        super().setup(cfg)
        formatter, filters = _console_handler_parts()
        # Addresses and paths go first; the project's filters then add the request id and scrub the rest.
        filters = [GunicornScrubFilter(), *filters]
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter)
            for log_filter in filters:
                handler.addFilter(log_filter)
        for handler in list(self.access_log.handlers):
            self.access_log.removeHandler(handler)
        self._access_log_enabled = False

    def _compute_access_log_enabled(self):
        return False

    def access(self, resp, req, environ, request_time):
        """No access log: see the module's docstring."""
