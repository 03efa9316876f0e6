"""Campaign pages: plans, content per campus, review, calendar, export, themes, allies, reach."""

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from campusvoice.accounts.access import requires
from campusvoice.campaigns import forms, publishing, selectors
from campusvoice.campaigns.models import Ally, AllyItem, Campaign, ContentItem, ContentKind, ContentTemplate
from campusvoice.campaigns.services import approval, bulk, content, export, feeds, reach, themes
from campusvoice.campaigns.services import campaigns as campaign_services
from campusvoice.errors import ApplicationError


def _campaign_or_404(pk: int) -> Campaign:
    try:
        return selectors.campaign_get(pk=pk)
    except Campaign.DoesNotExist:
        raise Http404 from None


def _item_or_404(pk: int) -> ContentItem:
    try:
        return selectors.content_item_get(pk=pk)
    except ContentItem.DoesNotExist:
        raise Http404 from None


def _form_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# Campaigns ------------------------------------------------------------------------------------


@requires("campaigns.view")
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/campaign_list.html", {"campaigns": selectors.campaigns_list()})


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_services.campaign_create(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Campaign created."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def campaign_update(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    form = forms.CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_services.campaign_update(campaign=campaign, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


def _publish_notes(blocked: dict[str, str]) -> list[str]:
    """One note per reason, naming the kinds it holds back ("Ad: no publishing integration…")."""
    kinds_by_reason: dict[str, list[str]] = {}
    for kind, reason in blocked.items():
        if reason:
            kinds_by_reason.setdefault(reason, []).append(str(ContentKind(kind).label))
    return [f"{', '.join(sorted(kinds))}: {reason}" for reason, kinds in sorted(kinds_by_reason.items())]


@requires("campaigns.view")
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    status = request.GET.get("status", "")
    if status not in ContentItem.Status.values:
        status = ""
    counts = selectors.campaign_status_counts(campaign=campaign)
    items = list(selectors.campaign_items(campaign=campaign, status=status))
    # Why each kind is not published automatically ("" when it is), shown once per reason.
    blocked = {kind: publishing.publishing_unavailable(kind=kind) for kind in {i.kind for i in items}}
    for item in items:
        item.publish_blocked = blocked[item.kind]
    context = {
        "campaign": campaign,
        "universities": campaign.universities.order_by("country", "name"),
        "templates": selectors.campaign_templates(campaign=campaign),
        "items": items,
        "status": status,
        "status_choices": [(value, label, counts.get(value, 0)) for value, label in forms.STATUS_CHOICES],
        "publish_notes": _publish_notes(blocked),
        "is_running": campaign.status == Campaign.Status.RUNNING,
        "to_submit": counts.get(ContentItem.Status.DRAFT, 0),
        "to_approve": counts.get(ContentItem.Status.IN_REVIEW, 0),
        "to_schedule": counts.get(ContentItem.Status.APPROVED, 0),
    }
    return render(request, "campaigns/campaign_detail.html", context)


# Templates and rendering ---------------------------------------------------------------------


def _template_fields(form) -> dict:
    data = {name: form.cleaned_data[name] for name in form.Meta.fields}
    if data["image"] is None:
        data.pop("image")
    elif data["image"] is False:
        data["image"] = ""
    return data


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    form = forms.ContentTemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = content.content_template_create(
                campaign=campaign, by=request.user, **_template_fields(form)
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            return redirect("campaigns:template-preview", pk=template.pk)
    return render(request, "campaigns/template_form.html", {"form": form, "campaign": campaign})


def _template_or_404(pk: int) -> ContentTemplate:
    return get_object_or_404(ContentTemplate.objects.select_related("campaign"), pk=pk)


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def template_update(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_or_404(pk)
    form = forms.ContentTemplateForm(request.POST or None, request.FILES or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            content.content_template_update(template=template, by=request.user, **_template_fields(form))
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            return redirect("campaigns:template-preview", pk=template.pk)
    return render(
        request,
        "campaigns/template_form.html",
        {"form": form, "campaign": template.campaign, "template": template},
    )


@requires("campaigns.view")
@require_GET
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every campus's version side by side (with its error), and the other language's templates."""
    template = _template_or_404(pk)
    siblings = template.campaign.content_templates.filter(kind=template.kind).order_by("language", "name")
    previews = [content.content_preview(template=t) for t in siblings]
    return render(
        request,
        "campaigns/template_preview.html",
        {
            "template": template,
            "campaign": template.campaign,
            "previews": previews,
            "form": forms.RenderForm(),
        },
    )


@requires("campaigns.edit")
@require_POST
def template_render(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_or_404(pk)
    form = forms.RenderForm(request.POST)
    form.is_valid()
    try:
        report = content.content_render(
            template=template, by=request.user, organic_for_eu=form.cleaned_data.get("organic_for_eu", False)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:template-preview", pk=template.pk)
    messages.success(
        request,
        _("%(created)s items created, %(updated)s updated, %(kept)s kept as they were.")
        % {"created": report.created, "updated": report.updated, "kept": report.kept},
    )
    if report.refused:
        messages.warning(
            request,
            selectors.eu_refusal_message() + " (" + ", ".join(report.refused) + ")",
        )
    return redirect("campaigns:detail", pk=template.campaign_id)


# Items and the workflow ----------------------------------------------------------------------


def _item_page(request: HttpRequest, item: ContentItem, form: forms.ItemTextForm) -> HttpResponse:
    context = {
        "item": item,
        "form": form,
        "schedule_form": forms.ScheduleForm(initial={"scheduled_at": item.scheduled_at}),
        "published_form": forms.MarkPublishedForm(),
        "history": item.history.select_related("by"),
        "publish_blocked": publishing.publishing_unavailable(kind=item.kind),
        # Said before they try: nobody approves their own work while someone else can.
        "approval_refusal": approval.approval_refusal(item=item, by=request.user)
        if item.status == ContentItem.Status.IN_REVIEW
        else "",
        "eu_ad": item.kind == ContentKind.AD and selectors.is_eu(item.university),
        "eu_message": selectors.eu_refusal_message(),
    }
    return render(request, "campaigns/item_detail.html", context)


@requires("campaigns.view")
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(pk)
    return _item_page(request, item, forms.ItemTextForm(initial={"text": item.text}))


@requires("campaigns.edit")
@require_POST
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(pk)
    form = forms.ItemTextForm(request.POST)
    if form.is_valid():
        try:
            content.content_item_edit(item=item, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            _form_error(form, exc)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("campaigns:item-detail", pk=item.pk)
        else:
            messages.success(request, _("Text saved; it is marked as edited by hand."))
            return redirect("campaigns:item-detail", pk=item.pk)
    return _item_page(request, item, form)


def _workflow(request: HttpRequest, pk: int, action) -> HttpResponse:
    item = _item_or_404(pk)
    try:
        action(item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("campaigns:item-detail", pk=item.pk)


@requires("campaigns.edit")
@require_POST
def item_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, lambda item: content.content_item_submit(item=item, by=request.user))


@requires("campaigns.approve")
@require_POST
def item_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def approve(item: ContentItem) -> None:
        item = content.content_item_approve(item=item, by=request.user)
        if item.history.filter(action="approved").latest("pk").changes.get("self_approved"):
            messages.warning(
                request,
                _(
                    "You approved your own work because you are the only member who can approve "
                    "content; its history records this. Add a second organiser for a second pair of eyes."
                ),
            )

    return _workflow(request, pk, approve)


@requires("campaigns.approve")
@require_POST
def item_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, lambda item: content.content_item_reject(item=item, by=request.user))


@requires("campaigns.edit")
@require_POST
def item_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.ScheduleForm(request.POST)
    at = form.cleaned_data["scheduled_at"] if form.is_valid() else None
    return _workflow(
        request, pk, lambda item: content.content_item_schedule(item=item, at=at, by=request.user)
    )


@requires("campaigns.edit")
@require_POST
def item_unschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, lambda item: content.content_item_unschedule(item=item, by=request.user))


@requires("campaigns.edit")
@require_POST
def item_mark_published(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.MarkPublishedForm(request.POST)
    platform_id = form.cleaned_data["platform_id"] if form.is_valid() else ""
    return _workflow(
        request,
        pk,
        lambda item: content.content_item_mark_published(item=item, by=request.user, platform_id=platform_id),
    )


@requires("campaigns.edit")
@require_POST
def item_publish_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish an approved or scheduled item now (the form asks for confirmation first)."""
    item = _item_or_404(pk)
    try:
        publishing.content_item_publish_now(item=item, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        item.refresh_from_db()  # the immediate task backend has already sent it
        if item.status == ContentItem.Status.PUBLISHED:
            messages.success(request, _("Published on the Page."))
        elif item.status == ContentItem.Status.FAILED:
            messages.error(request, _("Not published: %(reason)s") % {"reason": item.failure_reason})
        else:
            messages.info(request, _("Publishing now; this page shows the link once it is on the Page."))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("campaigns:item-detail", pk=item.pk)


# Batch steps: a whole campaign through review at once ----------------------------------------

BULK_TITLES = {
    bulk.SUBMIT: _lazy("Submit all drafts for review"),
    bulk.APPROVE: _lazy("Approve all items in review"),
    bulk.SCHEDULE: _lazy("Schedule all approved items"),
}


def _bulk_done(step: str, n: int) -> str:
    if step == bulk.SUBMIT:
        text = ngettext("%(n)s item submitted for review.", "%(n)s items submitted for review.", n)
    elif step == bulk.APPROVE:
        text = ngettext("%(n)s item approved.", "%(n)s items approved.", n)
    else:
        text = ngettext("%(n)s item scheduled.", "%(n)s items scheduled.", n)
    return text % {"n": n}


def _bulk_page(request: HttpRequest, pk: int, step: str, run) -> HttpResponse:
    """GET shows what would change (every text, for a reviewer); POST changes the items shown.

    With htmx the confirmation opens in place on the campaign page and the POST reloads it.
    """
    campaign = _campaign_or_404(pk)
    items = list(bulk.bulk_candidates(campaign=campaign, step=step))
    languages = sorted({i.language for i in items})
    form_class = forms.ScheduleAllForm if step == bulk.SCHEDULE else forms.BulkConfirmForm
    extra = {"languages": languages} if step == bulk.SCHEDULE else {}
    form = form_class(request.POST or None, items=items, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            result = run(campaign, form)
        except ValidationError as exc:
            _form_error(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _bulk_done(step, len(result.done)))
            for reason, count in sorted(result.skipped.items()):
                text = ngettext("%(n)s item skipped: %(reason)s", "%(n)s items skipped: %(reason)s", count)
                messages.warning(request, text % {"n": count, "reason": reason})
            url = reverse("campaigns:detail", args=[campaign.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    refusals = {}
    if step == bulk.APPROVE:  # said before they confirm: their own work is skipped
        for item in items:
            refusals[item.pk] = approval.approval_refusal(item=item, by=request.user)
    context = {
        "campaign": campaign,
        "step": step,
        "title": BULK_TITLES[step],
        "items": [(item, refusals.get(item.pk, "")) for item in items],
        "own_count": sum(1 for r in refusals.values() if r),
        "form": form,
        "url": reverse(f"campaigns:bulk-{step}", args=[campaign.pk]),
    }
    template = "campaigns/_bulk_confirm.html" if request.htmx else "campaigns/bulk_confirm.html"
    return render(request, template, context)


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def bulk_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _bulk_page(
        request,
        pk,
        bulk.SUBMIT,
        lambda campaign, form: bulk.content_items_submit_all(
            campaign=campaign, item_ids=form.cleaned_data["item"], by=request.user
        ),
    )


@requires("campaigns.approve")
@require_http_methods(["GET", "POST"])
def bulk_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _bulk_page(
        request,
        pk,
        bulk.APPROVE,
        lambda campaign, form: bulk.content_items_approve_all(
            campaign=campaign, item_ids=form.cleaned_data["item"], by=request.user
        ),
    )


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def bulk_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _bulk_page(
        request,
        pk,
        bulk.SCHEDULE,
        lambda campaign, form: bulk.content_items_schedule_all(
            campaign=campaign,
            item_ids=form.cleaned_data["item"],
            at_by_language=form.at_by_language(),
            stagger_minutes=form.cleaned_data["stagger_minutes"],
            by=request.user,
        ),
    )


# Calendar, export, themes ----------------------------------------------------------------------


@requires("campaigns.view")
@require_GET
def campaign_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        dt.date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    try:
        university_id = int(request.GET.get("campus") or 0) or None
    except ValueError:
        university_id = None
    kind = request.GET.get("kind", "")
    month_data = selectors.calendar_month(
        campaign=campaign, year=year, month=month, university_id=university_id
    )
    if kind in ContentKind.values:
        for week in month_data["weeks"]:
            for day in week:
                day["items"] = [i for i in day["items"] if i.kind == kind]
        month_data["items"] = [i for i in month_data["items"] if i.kind == kind]
    context = {
        "campaign": campaign,
        "universities": campaign.universities.order_by("country", "name"),
        "kinds": ContentKind.choices,
        "campus_id": university_id,
        "kind": kind,
        **month_data,
    }
    return render(request, "campaigns/calendar.html", context)


@requires("campaigns.edit")
@require_GET
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    bundle = export.campaign_export(campaign=campaign, by=request.user)
    response = HttpResponse(bundle, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-bundle.zip"'
    return response


@requires("campaigns.view")
@require_GET
def campaign_themes(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    form = forms.ThemesForm(request.GET or None)
    k = (form.cleaned_data.get("k") if form.is_valid() else None) or themes.DEFAULT_THEMES
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            themes.themes_csv(campaign=campaign, k=k), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-themes.csv"'
        return response
    return render(
        request,
        "campaigns/themes.html",
        {
            "campaign": campaign,
            "form": form,
            "k": k,
            "campuses": themes.campaign_themes(campaign=campaign, k=k),
        },
    )


# Allies ----------------------------------------------------------------------------------------


@requires("campaigns.view")
@require_GET
def ally_list(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/ally_list.html", {"allies": selectors.allies_list()})


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def ally_create(request: HttpRequest) -> HttpResponse:
    form = forms.AllyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feeds.ally_save(**form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Ally added. Fetch its feed to see its latest items."))
            return redirect("campaigns:ally-list")
    return render(request, "campaigns/ally_form.html", {"form": form})


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def ally_update(request: HttpRequest, pk: int) -> HttpResponse:
    ally = get_object_or_404(Ally, pk=pk)
    form = forms.AllyForm(request.POST or None, instance=ally)  # its _post_clean leaves `ally` alone
    if request.method == "POST" and form.is_valid():
        try:
            feeds.ally_update(ally=ally, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Ally saved."))
            return redirect("campaigns:ally-list")
    return render(request, "campaigns/ally_form.html", {"form": form, "ally": ally})


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def ally_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (what goes, what stays); POST deletes. With htmx, both answer in place."""
    ally = get_object_or_404(Ally, pk=pk)
    if request.method == "POST":
        deletion = feeds.ally_delete(ally=ally, by=request.user)
        text = _("Ally “%(name)s” deleted with %(items)s fetched items; %(shares)s shared posts kept.") % {
            "name": ally.name,
            "items": deletion.items,
            "shares": deletion.shares,
        }
        if request.htmx:  # the ally's card is replaced by this line
            return render(request, "campaigns/_ally_deleted.html", {"pk": pk, "text": text})
        messages.success(request, text)
        return redirect("campaigns:ally-list")
    context = {"ally": ally, "impact": feeds.ally_delete_impact(ally=ally)}
    template = "campaigns/_ally_delete.html" if request.htmx else "campaigns/ally_delete.html"
    return render(request, template, context)


@requires("campaigns.edit")
@require_POST
def ally_fetch(request: HttpRequest, pk: int) -> HttpResponse:
    ally = get_object_or_404(Ally, pk=pk)
    created = feeds.ally_fetch(ally=ally)
    if ally.fetch_error:
        messages.error(request, _("The feed could not be fetched: %(error)s") % {"error": ally.fetch_error})
    else:
        messages.success(request, _("%(count)s new items.") % {"count": created})
    return redirect("campaigns:ally-list")


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def ally_item_share(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ally_item = selectors.ally_item_get(pk=pk)
    except AllyItem.DoesNotExist:
        raise Http404 from None
    form = forms.AllyShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = content.content_item_create(
                campaign=data["campaign"],
                university=data["university"],
                kind=ContentKind.ALLY_SHARE,
                language=data["language"],
                text=data["text"],
                url=ally_item.url,
                ally_item=ally_item,
                by=request.user,
            )
        except ValidationError as exc:
            _form_error(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Added as a draft; submit it for review, then schedule it."))
            return redirect("campaigns:item-detail", pk=item.pk)
    return render(request, "campaigns/ally_share.html", {"form": form, "ally_item": ally_item})


# Reach import ----------------------------------------------------------------------------------


def _upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "uploads" / "reach"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@requires("campaigns.edit")
@require_http_methods(["GET", "POST"])
def reach_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload an export; when ad sets match no campus, ask for the mapping and import again."""
    campaign = _campaign_or_404(pk)
    form = forms.ReachImportForm(request.POST or None, request.FILES or None)
    context = {"campaign": campaign, "form": form, "universities": campaign.universities.order_by("name")}
    if request.method == "POST" and form.is_valid():
        upload, token = form.cleaned_data.get("file"), form.cleaned_data.get("token") or ""
        if upload:
            token = f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
            with open(_upload_dir() / token, "wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
        path = _upload_dir() / Path(token).name
        if not path.exists():
            form.add_error(None, _("The uploaded file has expired; upload it again."))
            return render(request, "campaigns/reach_import.html", context)
        mapping = {}
        for key, value in request.POST.items():
            if key.startswith("map:") and value.isdigit():
                mapping[key[4:]] = int(value)
        try:
            report = reach.reach_import(
                campaign=campaign,
                path=path,
                by=request.user,
                mapping=mapping,
                file_name=upload.name if upload else "",
            )
        except reach.ReachImportError as exc:
            if not exc.unmatched:
                path.unlink(missing_ok=True)
                token = ""
            context.update(errors=exc.errors[:50], unmatched=exc.unmatched, token=token)
            return render(request, "campaigns/reach_import.html", context)
        path.unlink(missing_ok=True)
        messages.success(
            request,
            _("%(created)s figures added, %(updated)s updated (%(level)s, %(start)s to %(stop)s).")
            % {
                "created": report.created,
                "updated": report.updated,
                "level": report.level,
                "start": report.date_start,
                "stop": report.date_stop,
            },
        )
        return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/reach_import.html", context)
