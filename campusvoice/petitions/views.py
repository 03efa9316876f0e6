"""Organiser pages: petitions, campus versions, signatures, exports, delivery, mail queue, stories."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campusvoice.accounts.access import can, requires
from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.errors import ApplicationError
from campusvoice.petitions import delivery, selectors
from campusvoice.petitions.forms import (
    PetitionForm,
    PetitionVersionForm,
    SignatureSearchForm,
    StoryReviewForm,
    VoidForm,
)
from campusvoice.petitions.models import Petition, PetitionVersion, Signature, Story
from campusvoice.petitions.public_views import share_links
from campusvoice.petitions.services import petitions as petition_services
from campusvoice.petitions.services import signatures as signature_services
from campusvoice.petitions.services import stories as story_services
from campusvoice.supporters import spreadsheets

PAGE_SIZE = 50
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _apply(form, save) -> bool:
    """Call the service; copy its ValidationError onto the form. True when it saved."""
    try:
        save()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return False
    return True


@requires("petitions.manage")
@require_GET
def petition_list(request: HttpRequest) -> HttpResponse:
    return render(request, "petitions/petition_list.html", {"petitions": selectors.petitions_list()})


@requires("petitions.manage")
@require_http_methods(["GET", "POST"])
def petition_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    petition = get_object_or_404(Petition, pk=pk) if pk else Petition()
    form = PetitionForm(request.POST or None, instance=petition)
    if request.method == "POST" and form.is_valid():
        if _apply(form, lambda: petition_services.petition_save(petition=form.instance, by=request.user)):
            messages.success(request, _("Petition saved."))
            return redirect("petitions:petition-detail", pk=form.instance.pk)
    title = _("Edit the petition") if pk else _("New petition")
    return render(
        request,
        "petitions/object_form.html",
        {"form": form, "title": title, "petition": petition if pk else None},
    )


@requires("petitions.manage")
@require_GET
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = get_object_or_404(Petition.objects.select_related("campaign"), pk=pk)
    counts = selectors.version_counts(petition=petition)
    versions = [
        (v, counts.get(v.pk, selectors.Counts()), share_links(petition=petition, version=v, lang="en")[0][1])
        for v in petition.versions.select_related("university")
    ]
    return render(
        request,
        "petitions/petition_detail.html",
        {
            "petition": petition,
            "versions": versions,
            "total": selectors.petition_counts(petition=petition),
            "unassigned": counts.get(None, selectors.Counts()),
        },
    )


@requires("petitions.manage")
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, pk: int | None = None, petition_pk: int | None = None) -> HttpResponse:
    if pk:
        version = get_object_or_404(PetitionVersion.objects.select_related("petition__campaign"), pk=pk)
        petition = version.petition
    else:
        petition = get_object_or_404(Petition.objects.select_related("campaign"), pk=petition_pk)
        version = PetitionVersion(petition=petition)
    form = PetitionVersionForm(request.POST or None, instance=version, petition=petition)
    if request.method == "POST" and form.is_valid():
        if _apply(
            form, lambda: petition_services.petition_version_save(version=form.instance, by=request.user)
        ):
            messages.success(request, _("Campus version saved."))
            return redirect("petitions:petition-detail", pk=petition.pk)
    title = _("Campus version of “%(title)s”") % {"title": petition.title_en}
    return render(request, "petitions/object_form.html", {"form": form, "title": title, "petition": petition})


@requires("petitions.manage")
@require_GET
def signature_list(request: HttpRequest, pk: int) -> HttpResponse:
    petition = get_object_or_404(Petition, pk=pk)
    form = SignatureSearchForm(request.GET or None, petition=petition)
    filters = {}
    if form.is_valid():
        filters = {
            "q": form.cleaned_data["q"],
            "status": form.cleaned_data["status"],
            "version": form.cleaned_data["version"].pk if form.cleaned_data["version"] else None,
        }
    page = Paginator(selectors.signatures_search(petition=petition, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Names and addresses on screen: record who looked (not what they searched for).
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="petition_signatures",
        object_id=petition.pk,
        detail={"page": page.number, "rows": len(page.object_list)},
    )
    return render(
        request,
        "petitions/signature_list.html",
        {"petition": petition, "form": form, "page": page, "void_form": VoidForm()},
    )


@requires("petitions.manage")
@require_POST
def signature_void(request: HttpRequest, pk: int) -> HttpResponse:
    signature = get_object_or_404(Signature, pk=pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        signature_services.signature_void(
            signature=signature, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, _("Signature voided; it no longer counts."))
    else:
        messages.error(request, _("Say why the signature is voided."))
    return redirect("petitions:signature-list", pk=signature.petition_id)


@requires("personal_data.export")
@require_GET
def signature_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    petition = get_object_or_404(Petition, pk=pk)
    header = [
        _("id"),
        _("status"),
        _("name"),
        _("e-mail"),
        _("campus"),
        _("may be contacted"),
        _("consent version"),
        _("signed"),
        _("confirmed"),
        _("voided"),
        _("why voided"),
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "ref",
    ]
    signatures = (
        Signature.objects.filter(petition=petition).select_related("version__university").order_by("pk")
    )
    rows = [
        [
            s.pk,
            s.get_status_display(),
            s.name,
            s.email,
            s.version.university.name if s.version else "",
            s.contact_ok,
            s.consent_version,
            s.created_at,
            s.confirmed_at,
            s.voided_at,
            s.void_reason,
            s.utm_source,
            s.utm_medium,
            s.utm_campaign,
            s.utm_content,
            s.ref,
        ]
        for s in signatures.iterator()
    ]
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        object_type="petition_signatures",
        object_id=petition.pk,
        summary=f"{fmt} export",
        detail={"count": len(rows)},
    )
    if fmt == "csv":
        body = spreadsheets.rows_to_csv(header, rows)
    else:
        body = spreadsheets.rows_to_xlsx(header, rows, title="Signatures")
    response = HttpResponse(body, content_type=EXPORT_FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="signatures-{petition.slug}-{timezone.now():%Y%m%d-%H%M}.{fmt}"'
    )
    response["Cache-Control"] = "no-store"
    return response


@requires("petitions.manage")
@require_GET
def petition_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    petition = get_object_or_404(Petition.objects.select_related("campaign"), pk=pk)
    try:
        pdf = delivery.delivery_pdf(petition=petition)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("petitions:petition-detail", pk=petition.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="delivery-{petition.slug}.pdf"'
    return response


def _masked(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


@requires("petitions.manage")
@require_GET
def mail_queue(request: HttpRequest) -> HttpResponse:
    """What the system sent or will send. Bodies and full addresses: admins only."""
    show_bodies = can(request.user, "personal_data.export")
    page = Paginator(selectors.outgoing_emails(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(email, email.to if show_bodies else _masked(email.to)) for email in page.object_list]
    if show_bodies:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            object_type="outgoing_email",
            detail={"page": page.number, "rows": len(rows)},
        )
    return render(
        request, "petitions/mail_queue.html", {"page": page, "rows": rows, "show_bodies": show_bodies}
    )


# Stories: moderators and admins only (inbox.disclosures) -------------------------------------


@requires("inbox.disclosures")
@require_GET
def story_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Story.Status.values else ""
    page = Paginator(selectors.stories_for_review(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="stories",
        detail={"ids": [s.pk for s in page.object_list]},
    )
    return render(
        request,
        "petitions/story_list.html",
        {"page": page, "status": status, "statuses": Story.Status.choices},
    )


@requires("inbox.disclosures")
@require_http_methods(["GET", "POST"])
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_object_or_404(Story.objects.select_related("campaign", "university", "reviewed_by"), pk=pk)
    form = StoryReviewForm(request.POST or None, initial={"status": story.status, "excerpt": story.excerpt})
    if request.method == "POST" and form.is_valid():
        if _apply(
            form,
            lambda: story_services.story_review(
                story=story,
                status=form.cleaned_data["status"],
                excerpt=form.cleaned_data["excerpt"],
                by=request.user,
            ),
        ):
            messages.success(request, _("Review saved."))
            return redirect("petitions:story-detail", pk=story.pk)
    else:
        audit_record(
            actor=request.user, action=AuditEvent.Action.VIEW, object_type="story", object_id=story.pk
        )
    return render(request, "petitions/story_detail.html", {"story": story, "form": form})
