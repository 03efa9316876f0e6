"""HAL+JSON in and out, with limits that keep bad input a 4xx.

DRF's JSONParser reads the whole stream without Django's DATA_UPLOAD_MAX_MEMORY_SIZE check, and
Python's json module raises RecursionError on deeply nested input: both are handled here.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


def _check_size(parser_context) -> None:
    request = (parser_context or {}).get("request")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        raise exceptions.ParseError(_("Bad Content-Length.")) from None
    if length > settings.CAMPUSVOICE_API_MAX_BODY_BYTES:
        raise PayloadTooLarge()


class OsdiJsonParser(JSONParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        _check_size(parser_context)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON nested too deeply.")) from None


class HalJsonParser(OsdiJsonParser):
    media_type = "application/hal+json"


class HalJsonRenderer(JSONRenderer):
    media_type = "application/hal+json"
    format = "hal"
