"""Organiser pages for outreach: letters, the relationships board, coverage review.

Every view needs `outreach.manage` (admins and organisers). Pages that show a contact's details
record a "view" in the audit log.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campusvoice.accounts.access import requires
from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns.models import Campaign
from campusvoice.errors import ApplicationError
from campusvoice.outreach import forms, selectors
from campusvoice.outreach.models import Article, Letter, LetterTemplate, Relationship, Stage
from campusvoice.outreach.services import coverage, documents, relationships
from campusvoice.outreach.services import letters as letter_services


def _apply(form, save) -> object | None:
    """Call the service; copy ValidationError/ApplicationError onto the form. The result, or None."""
    try:
        return save()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
    return None


def _audit_contact_view(request, contact_id: int | None) -> None:
    if contact_id:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            object_type="campuses.contact",
            object_id=contact_id,
        )


# --- letters ---


@requires("outreach.manage")
@require_GET
def letter_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.order_by("-starts_on", "name")
    campaign = None
    if request.GET.get("campaign", "").isdigit():
        campaign = get_object_or_404(Campaign, pk=int(request.GET["campaign"]))
    elif campaigns:
        campaign = campaigns[0]
    letters = selectors.letters_for_campaign(campaign=campaign) if campaign else Letter.objects.none()
    return render(
        request,
        "outreach/letter_list.html",
        {"campaigns": campaigns, "campaign": campaign, "letters": letters, "section": "letters"},
    )


@requires("outreach.manage")
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "outreach/template_list.html",
        {"templates": selectors.letter_templates(), "section": "templates"},
    )


@requires("outreach.manage")
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(LetterTemplate, pk=pk) if pk else LetterTemplate()
    form = forms.LetterTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        if _apply(
            form, lambda: letter_services.letter_template_save(template=form.instance, by=request.user)
        ):
            messages.success(request, _("Template saved."))
            return redirect("outreach:template-list")
    return render(
        request,
        "outreach/template_form.html",
        {"form": form, "template_obj": template if pk else None, "section": "templates"},
    )


@requires("outreach.manage")
@require_http_methods(["GET", "POST"])
def letters_prepare(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    form = forms.PrepareForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        report = _apply(
            form,
            lambda: letter_services.letters_prepare(
                campaign=campaign, template_by_kind=form.template_by_kind(), by=request.user
            ),
        )
        if report is not None:
            messages.success(
                request,
                _("%(ready)s letters ready, %(failed)s need attention.")
                % {"ready": len(report.letters) - len(report.failed), "failed": len(report.failed)},
            )
            return redirect(f"{redirect('outreach:letter-list').url}?campaign={campaign.pk}")
    return render(
        request,
        "outreach/letters_prepare.html",
        {"form": form, "campaign": campaign, "campuses": campaign.universities.count(), "section": "letters"},
    )


@requires("outreach.manage")
@require_GET
def letters_preview(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """Try a template on one campus before preparing the batch; creates no letter."""
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    form = forms.PreviewForm(request.GET or None, campaign=campaign)
    previews = None
    if form.is_valid():
        data = form.cleaned_data
        previews = letter_services.letter_preview(
            template=data["template"], campaign=campaign, university=data["campus"], kind=data["kind"]
        )
        # The rendered text names the people it is addressed to.
        for preview in previews:
            _audit_contact_view(request, preview.contact_id)
    return render(
        request,
        "outreach/letters_preview.html",
        {"form": form, "campaign": campaign, "previews": previews, "section": "letters"},
    )


@requires("outreach.manage")
@require_GET
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(Letter.objects.select_related("campaign", "university", "template"), pk=pk)
    _audit_contact_view(request, letter.contact_id)
    quotable = selectors.quotable_comments(campaign=letter.campaign, university=letter.university)[:30]
    chosen = set(letter.quoted_comments.values_list("pk", flat=True))
    return render(
        request,
        "outreach/letter_detail.html",
        {
            "letter": letter,
            "quotable": quotable,
            "chosen": chosen,
            "deliveries": letter.deliveries.select_related("by", "email"),
            "section": "letters",
        },
    )


@requires("outreach.manage")
@require_POST
def letter_quotes(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(Letter, pk=pk)
    ids = [int(value) for value in request.POST.getlist("comments") if value.isdigit()]
    try:
        letter_services.letter_quotes_set(letter=letter, comment_ids=ids, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Quotes saved; the letter was rendered again."))
    return redirect("outreach:letter-detail", pk=letter.pk)


def _file_response(data: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=documents.CONTENT_TYPES.get(fmt, "application/zip"))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires("outreach.manage")
@require_GET
def letter_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in documents.CONTENT_TYPES:
        raise Http404
    letter = get_object_or_404(Letter.objects.select_related("university"), pk=pk)
    try:
        name, data = documents.letter_file(letter=letter, fmt=fmt, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("outreach:letter-detail", pk=letter.pk)
    return _file_response(data, fmt, name)


@requires("outreach.manage")
@require_GET
def letters_zip(request: HttpRequest, campaign_pk: int, fmt: str) -> HttpResponse:
    if fmt not in documents.CONTENT_TYPES and fmt != "all":
        raise Http404
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    letters = list(selectors.letters_for_campaign(campaign=campaign))
    data = documents.letters_zip(letters=letters, fmt=fmt, by=request.user)
    return _file_response(data, "zip", f"letters-{campaign.slug}-{fmt}.zip")


@requires("outreach.manage")
@require_POST
def letter_email(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(Letter, pk=pk)
    try:
        letter_services.letter_email(letter=letter, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The letter is in the outgoing-mail queue."))
    return redirect("outreach:letter-detail", pk=letter.pk)


@requires("outreach.manage")
@require_http_methods(["GET", "POST"])
def letters_email(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """Send every letter of the campaign by e-mail: GET shows who gets one and who does not (and
    why), POST queues them and shows what was queued."""
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    letters = list(selectors.letters_for_campaign(campaign=campaign))
    if request.method == "POST":
        plan = letter_services.letters_email_all(letters=letters, by=request.user)
        messages.success(
            request,
            _("Queued for e-mail: %(queued)s. Not sent: %(held)s.")
            % {"queued": len(plan.to_send), "held": len(plan.held)},
        )
        done = True
    else:
        plan = letter_services.letters_email_plan(letters=letters)
        done = False
    # The page lists the recipients' addresses.
    for letter in plan.to_send:
        _audit_contact_view(request, letter.contact_id)
    return render(
        request,
        "outreach/letters_email.html",
        {"campaign": campaign, "plan": plan, "done": done, "section": "letters"},
    )


# --- relationships ---


@requires("outreach.manage")
@require_GET
def board(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    university_id = int(request.GET["campus"]) if request.GET.get("campus", "").isdigit() else None
    stage = request.GET.get("stage", "") if request.GET.get("stage", "") in Stage.values else ""
    rows = selectors.relationships_board(campaign=campaign, university_id=university_id, stage=stage)
    return render(
        request,
        "outreach/board.html",
        {
            "campaign": campaign,
            "columns": selectors.board_columns(rows),
            "overdue": selectors.relationships_overdue(campaign=campaign),
            "campuses": campaign.universities.order_by("name"),
            "stages": Stage.choices,
            "campus_id": university_id,
            "stage": stage,
            "section": "board",
        },
    )


@requires("outreach.manage")
@require_http_methods(["GET", "POST"])
def relationship_create(request: HttpRequest) -> HttpResponse:
    form = forms.RelationshipForm(request.POST or None, initial={"campaign": request.GET.get("campaign")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        relationship = _apply(
            form,
            lambda: relationships.relationship_create(
                campaign=data["campaign"],
                group=data["group"],
                contact=data["contact"],
                next_step=data["next_step"],
                due_on=data["due_on"],
                owner=data["owner"],
                notes=data["notes"],
                by=request.user,
            ),
        )
        if relationship is not None:
            return redirect("outreach:relationship-detail", pk=relationship.pk)
    return render(request, "outreach/relationship_form.html", {"form": form, "section": "board"})


def _relationship(pk: int) -> Relationship:
    return get_object_or_404(
        Relationship.objects.select_related("campaign", "university", "group", "contact", "owner"), pk=pk
    )


@requires("outreach.manage")
@require_GET
def relationship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(pk)
    _audit_contact_view(request, relationship.contact_id)
    return render(
        request,
        "outreach/relationship_detail.html",
        {
            "relationship": relationship,
            "events": relationship.events.select_related("by", "letter"),
            "event_form": forms.EventForm(),
            "stages": Stage.choices,
            "section": "board",
        },
    )


@requires("outreach.manage")
@require_http_methods(["GET", "POST"])
def relationship_update(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(pk)
    form = forms.RelationshipUpdateForm(
        request.POST or None,
        initial={
            "next_step": relationship.next_step,
            "due_on": relationship.due_on,
            "owner": relationship.owner_id,
            "notes": relationship.notes,
        },
    )
    back_to_board = bool(relationship.campaign_id) and request.GET.get("next") == "board"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated = _apply(
            form,
            lambda: relationships.relationship_update(
                relationship=relationship,
                next_step=data["next_step"],
                due_on=data["due_on"],
                owner=data["owner"],
                notes=data["notes"],
                by=request.user,
            ),
        )
        if updated is not None:
            messages.success(request, _("Next step saved."))
            if back_to_board:
                return redirect("outreach:board", campaign_pk=relationship.campaign_id)
            return redirect("outreach:relationship-detail", pk=relationship.pk)
    return render(
        request,
        "outreach/relationship_update.html",
        {"form": form, "relationship": relationship, "back_to_board": back_to_board, "section": "board"},
    )


@requires("outreach.manage")
@require_POST
def relationship_move(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(pk)
    form = forms.MoveForm(request.POST)
    if form.is_valid():
        relationship = relationships.relationship_move(
            relationship=relationship, stage=form.cleaned_data["stage"], by=request.user
        )
    if request.htmx:
        return render(request, "outreach/_card.html", {"relationship": relationship, "stages": Stage.choices})
    if relationship.campaign_id and request.POST.get("next") == "board":
        return redirect("outreach:board", campaign_pk=relationship.campaign_id)
    return redirect("outreach:relationship-detail", pk=relationship.pk)


@requires("outreach.manage")
@require_POST
def relationship_event_add(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(pk)
    form = forms.EventForm(request.POST)
    if form.is_valid():
        relationships.relationship_event_add(
            relationship=relationship,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            by=request.user,
        )
        messages.success(request, _("Added to the history."))
    else:
        messages.error(request, _("Choose what happened and describe it."))
    return redirect("outreach:relationship-detail", pk=relationship.pk)


# --- coverage ---


@requires("outreach.manage")
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Article.Status.FOUND)
    status = status if status in Article.Status.values else Article.Status.FOUND
    return render(
        request,
        "outreach/article_list.html",
        {
            "articles": selectors.articles_for_review(status=status)[:200],
            "status": status,
            "statuses": Article.Status.choices,
            "campaigns": Campaign.objects.order_by("-starts_on", "name"),
            "section": "coverage",
        },
    )


@requires("outreach.manage")
@require_http_methods(["GET", "POST"])
def article_add(request: HttpRequest) -> HttpResponse:
    form = forms.ArticleAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["title"]:
            save = lambda: coverage.article_create(  # noqa: E731
                url=data["url"],
                title=data["title"],
                newspaper=data["newspaper"],
                campaign=data["campaign"],
                published_at=data["published_at"],
                by=request.user,
            )
        else:
            save = lambda: coverage.article_add_from_url(  # noqa: E731
                url=data["url"], newspaper=data["newspaper"], campaign=data["campaign"], by=request.user
            )
        if _apply(form, save) is not None:
            messages.success(request, _("Article added for review."))
            return redirect("outreach:article-list")
    return render(request, "outreach/article_add.html", {"form": form, "section": "coverage"})


@requires("outreach.manage")
@require_POST
def article_review(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            coverage.article_review(
                article=article,
                status=form.cleaned_data["status"],
                campaign=form.cleaned_data["campaign"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    if request.htmx:
        article.refresh_from_db()
        return render(
            request,
            "outreach/_article_row.html",
            {"article": article, "campaigns": Campaign.objects.order_by("-starts_on", "name")},
        )
    return redirect("outreach:article-list")


@requires("outreach.manage")
@require_http_methods(["GET", "POST"])
def source_list(request: HttpRequest) -> HttpResponse:
    form = forms.SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _apply(
            form,
            lambda: coverage.watched_page_add(url=data["url"], newspaper=data["newspaper"], by=request.user),
        ):
            messages.success(request, _("The page will be checked with the newspaper feeds."))
            return redirect("outreach:source-list")
    return render(
        request,
        "outreach/source_list.html",
        {"form": form, "sources": selectors.watched_sources(), "section": "coverage"},
    )


@requires("outreach.manage")
@require_POST
def sources_check(request: HttpRequest) -> HttpResponse:
    """Check every feed and page now, in the background (the same task cron runs)."""
    from campusvoice.outreach import tasks

    transaction.on_commit(tasks.newspapers_fetch.enqueue)
    messages.success(request, _("Checking the feeds and pages now; new articles appear for review."))
    return redirect("outreach:source-list")
