"""The server-error page: rendered without the request's context, which may be what failed."""

from django.http import HttpResponseServerError
from django.template import loader

from campusvoice.accounts.access import public


@public
def server_error(request):
    """500, with the request id as a reference that leads to the log line of the error."""
    body = loader.get_template("500.html").render({"request_id": getattr(request, "request_id", None)})
    return HttpResponseServerError(body)
