import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from campusvoice.accounts.access import public, requires

from . import services, webhooks
from .forms import ConnectForm
from .models import MetaConnection

logger = logging.getLogger(__name__)


@requires("integrations.manage")
@require_http_methods(["GET", "POST"])
def connection_list(request: HttpRequest) -> HttpResponse:
    form = ConnectForm(request.POST or None)
    check = None
    if request.method == "POST" and form.is_valid():
        try:
            connection, check = services.connection_connect(token=form.cleaned_data["token"], by=request.user)
        except services.MetaConnectError as exc:
            form.add_error("token", exc.message)
        else:
            messages.success(request, _("Connected %(page)s.") % {"page": connection.page_name})
            form = ConnectForm()
    connections = MetaConnection.objects.select_related("channel", "instagram_channel")
    return render(
        request,
        "meta/connections.html",
        {"form": form, "connections": connections, "check": check},
    )


@requires("integrations.manage")
@require_POST
def connection_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(MetaConnection, pk=pk)
    services.connection_disconnect(connection=connection, by=request.user)
    messages.success(request, _("Disconnected %(page)s.") % {"page": connection.page_name})
    return redirect("meta:connection-list")


@csrf_exempt
@public  # Meta cannot log in: the signature (POST) or the verify token (GET) is the check.
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if request.GET.get("hub.mode") == "subscribe" and webhooks.verify_token_valid(
            request.GET.get("hub.verify_token", "")
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("")
    body = request.body  # the raw bytes Meta signed; nothing is parsed before the check
    if not webhooks.signature_valid(body=body, header=request.headers.get("X-Hub-Signature-256", "")):
        logger.warning("meta webhook refused: missing or wrong signature")
        return HttpResponseForbidden("")
    webhooks.webhook_delivery_store(body=body)
    return HttpResponse("OK", content_type="text/plain")
