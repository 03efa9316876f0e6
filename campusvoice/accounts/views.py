import base64

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from campusvoice.accounts import selectors, services, two_factor
from campusvoice.accounts.access import public, requires, signed_in
from campusvoice.accounts.forms import (
    AuditFilterForm,
    EmailAuthenticationForm,
    TokenForm,
    UserCreateForm,
    UserUpdateForm,
)
from campusvoice.accounts.models import User


def _exempt_from_two_factor(view):
    view.two_factor_exempt = True
    return view


login = public(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=EmailAuthenticationForm,
        redirect_authenticated_user=True,
    )
)
logout = _exempt_from_two_factor(signed_in(auth_views.LogoutView.as_view()))


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@_exempt_from_two_factor
@signed_in
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_safe_next(request))
        form.add_error("token", _("That code is not valid. Check your device's clock and try again."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request, "")})


@_exempt_from_two_factor
@signed_in
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    if request.user.is_verified():
        messages.info(request, _("Two-factor authentication is already on for this session."))
        return redirect("accounts:profile")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = two_factor.device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.device_confirm(request=request, device=device, token=form.cleaned_data["token"]):
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("home")
        form.add_error("token", _("That code is not valid. Scan the code again and enter the new digits."))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_svg": qr.svg_inline(scale=4, dark="#111", light="#fff"),
        "secret": base64.b32encode(device.bin_key).decode(),
        "required": two_factor.required_for(request.user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@signed_in
@require_http_methods(["GET", "POST"])
def profile(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        services.audit_record(
            actor=user,
            action="change",
            object_type="user",
            object_id=user.pk,
            detail={"fields": ["password"]},
        )
        messages.success(request, _("Your password was changed."))
        return redirect("accounts:profile")
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    return render(request, "accounts/profile.html", {"form": form, "has_device": has_device})


@requires("users.manage")
def user_list(request):
    return render(request, "accounts/user_list.html", {"members": selectors.members()})


@requires("users.manage")
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else "password", errors)
        else:
            messages.success(request, _("Member added."))
            return redirect("accounts:user-list")
    return render(request, "accounts/user_form.html", {"form": form})


@requires("users.manage")
@require_http_methods(["GET", "POST"])
def user_update(request, pk: int):
    member = get_object_or_404(User, pk=pk)
    initial = {"full_name": member.full_name, "role": member.role, "is_active": member.is_active}
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(user=member, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Member updated."))
            return redirect("accounts:user-list")
    return render(request, "accounts/user_form.html", {"form": form, "member": member})


@requires("audit.view")
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events(**{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"form": form, "page": page})
