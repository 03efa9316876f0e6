import logging
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campusvoice import ratelimit
from campusvoice.accounts.access import public, requires

from . import login, services, webhooks
from .forms import ConnectForm, LoginPageForm
from .models import MetaConnection
from .tokens import token_decrypt, token_encrypt

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
        return _webhook_refused(request)
    body = request.body  # the raw bytes Meta signed; nothing is parsed before the check
    if not webhooks.signature_valid(body=body, header=request.headers.get("X-Hub-Signature-256", "")):
        logger.warning("meta webhook refused: missing or wrong signature")
        return _webhook_refused(request)
    webhooks.webhook_delivery_store(body=body)
    return HttpResponse("OK", content_type="text/plain")


def _webhook_refused(request: HttpRequest) -> HttpResponse:
    # Only failed checks are counted, so Meta's signed deliveries are never limited; a sender
    # guessing the secret or flooding us gets 429 once past the limit.
    retry_after = ratelimit.hit(
        scope="meta-webhook-refused",
        key=ratelimit.client_ip(request),
        limit=ratelimit.Limit(*settings.CAMPUSVOICE_META_WEBHOOK_REFUSED_PER_IP),
    )
    if retry_after is None:
        return HttpResponseForbidden("")
    response = HttpResponse("", status=429, content_type="text/plain")
    response["Retry-After"] = str(retry_after)
    return response


# --- Facebook Login for Business (login.py) -------------------------------------------------------

LOGIN_STATE = "meta_login_state"  # session: the one-time state and when the dialog was opened
LOGIN_HELD = "meta_login_held"  # session: the user token, encrypted, until a Page is chosen


@requires("integrations.manage")
@require_GET  # a link, not a form: CSP's form-action 'self' would block the redirect to Meta
def login_start(request: HttpRequest) -> HttpResponse:
    # Starting a log-in changes nothing but this session's state; the callback's state check is
    # what stops a forged answer.
    state = secrets.token_urlsafe(32)
    try:
        url = login.login_dialog_url(state=state)
    except login.MetaLoginError as exc:
        messages.error(request, exc.message)
        return redirect("meta:connection-list")
    request.session[LOGIN_STATE] = {"state": state, "at": time.time()}
    request.session.pop(LOGIN_HELD, None)
    return redirect(url)


@requires("integrations.manage")
@require_GET
def login_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(LOGIN_STATE, None) or {}  # one use, whatever happens next
    fresh = time.time() - float(pending.get("at", 0)) < login.LOGIN_SECONDS
    try:
        token = login.login_callback(
            expected_state=pending.get("state", "") if fresh else "", params=request.GET
        )
    except login.MetaLoginError as exc:
        messages.error(request, exc.message)
        return redirect("meta:connection-list")
    request.session[LOGIN_HELD] = {"token": token_encrypt(token.access_token), "at": time.time()}
    return redirect("meta:login-pages")


def _login_token(request: HttpRequest) -> str:
    held = request.session.get(LOGIN_HELD) or {}
    if not held or time.time() - float(held.get("at", 0)) > login.LOGIN_SECONDS:
        return ""
    return token_decrypt(held["token"])


@requires("integrations.manage")
@require_http_methods(["GET", "POST"])
def login_pages(request: HttpRequest) -> HttpResponse:
    user_token = _login_token(request)
    if not user_token:
        messages.error(request, _("Click “Connect with Facebook” first; the log-in lasts 15 minutes."))
        return redirect("meta:connection-list")
    try:
        pages = login.login_pages(user_token=user_token)
    except login.MetaLoginError as exc:
        request.session.pop(LOGIN_HELD, None)
        messages.error(request, exc.message)
        return redirect("meta:connection-list")
    form = LoginPageForm(request.POST or None, pages=pages)
    if request.method == "POST" and form.is_valid():
        try:
            connection, check = login.login_connect(
                user_token=user_token,
                page_id=form.cleaned_data["page"],
                by=request.user,
                with_instagram=form.cleaned_data["with_instagram"],
            )
        except (login.MetaLoginError, services.MetaConnectError) as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(LOGIN_HELD, None)
            messages.success(request, _("Connected %(page)s.") % {"page": connection.page_name})
            for warning in check.warnings:
                messages.warning(request, warning)
            return redirect("meta:connection-list")
    return render(request, "meta/login_pages.html", {"form": form, "pages": pages})
