"""The answer to a locked-out log-in: django-axes' page, plus the Retry-After header every
rate-limited endpoint of ours sends with its 429."""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
    cool_off = get_cool_off(request)
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
