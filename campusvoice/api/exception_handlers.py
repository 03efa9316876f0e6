"""One JSON error shape for the whole API: `{"error": "…", "errors": {field: [messages]}}`.

`error` is what Action Network's API returns (one sentence); `errors` holds field errors, keyed
as in the request body, when there are any. Django's ValidationError (from services) and our
ApplicationError become 400s in the same shape, like HackSoft's api/exception_handlers.py.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from campusvoice.errors import ApplicationError


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def osdi_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"error": [exc.message]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"error": _("Invalid request: %(detail)s") % {"detail": _first_message(errors)}}
        response.data["errors"] = errors
    else:
        response.data = {"error": str(exc.detail) if hasattr(exc, "detail") else str(exc)}
    return response
