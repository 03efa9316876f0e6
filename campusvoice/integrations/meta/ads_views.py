"""The campaign's paid ads on Meta: create them paused, resume, fetch their figures."""

from decimal import Decimal, InvalidOperation
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from campusvoice.accounts.access import requires
from campusvoice.campaigns import selectors as campaign_selectors
from campusvoice.campaigns.models import Campaign

from . import ads, insights, tasks
from .ads_forms import AdCampaignForm
from .models import AdCampaign


def _campaign_or_404(pk: int) -> Campaign:
    try:
        return campaign_selectors.campaign_get(pk=pk)
    except Campaign.DoesNotExist:
        raise Http404 from None


def _ad_campaign(campaign: Campaign) -> AdCampaign | None:
    return AdCampaign.objects.filter(campaign=campaign).select_related("connection").first()


@requires("ads.manage")
@require_http_methods(["GET", "POST"])
def campaign_ads(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    ad = _ad_campaign(campaign)
    form = None
    if ad is None:
        form = AdCampaignForm(request.POST or None, campaign=campaign)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                ad = ads.ad_campaign_create(campaign=campaign, by=request.user, push=False, **data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            except ads.AdCampaignError as exc:
                form.add_error(None, exc.message)
            else:
                transaction.on_commit(partial(tasks.ad_campaign_push.enqueue, ad.pk))
                messages.success(request, _("The ad campaign is being created on Meta, paused."))
                return redirect("meta:campaign-ads", pk=campaign.pk)
    budget = form["budget_total"].value() if form is not None else None
    try:
        budget = Decimal(str(budget)) if budget not in (None, "") else None
    except InvalidOperation:
        budget = None
    split = form["split"].value() if form is not None else AdCampaign.Split.EQUAL
    plan = ads.ad_campaign_plan(campaign=campaign, budget_total=budget, split=split)
    context = {"campaign": campaign, "ad": ad, "form": form, "plan": plan}
    if ad is not None:
        context["campuses"] = list(ad.campuses.select_related("university"))
        context["reach"] = insights.ad_campaign_reach(ad_campaign=ad)
        for campus in context["campuses"]:
            snapshot = context["reach"]["by_adset"].get(campus.adset_id)
            campus.snapshot = snapshot
            enrolled = campus.university.enrollment_total
            campus.share = (
                round(100 * snapshot.reach / enrolled, 1)
                if snapshot and snapshot.reach and enrolled
                else None
            )
    return render(request, "meta/campaign_ads.html", context)


@requires("ads.manage")
@require_POST
def campaign_ads_resume(request: HttpRequest, pk: int) -> HttpResponse:
    ad = _ad_campaign(_campaign_or_404(pk))
    if ad is None:
        raise Http404
    tasks.ad_campaign_push.enqueue(ad.pk)
    messages.success(request, _("Creation resumed: what Meta already has is not made again."))
    return redirect("meta:campaign-ads", pk=pk)


@requires("ads.manage")
@require_POST
def campaign_ads_sync(request: HttpRequest, pk: int) -> HttpResponse:
    ad = _ad_campaign(_campaign_or_404(pk))
    if ad is None:
        raise Http404
    report = insights.ad_campaign_insights_sync(ad_campaign=ad)
    if report.stopped:
        messages.error(request, report.stopped)
    else:
        messages.success(request, _("Figures fetched for %(n)s campuses.") % {"n": report.ad_sets})
    return redirect("meta:campaign-ads", pk=pk)
