"""Supporter pages: the list, a person's timeline, tags, merges, the campus overview, exports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campusvoice.accounts.access import requires
from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.errors import ApplicationError
from campusvoice.supporters import selectors, services, spreadsheets
from campusvoice.supporters.forms import PersonFilterForm, SavedListForm, TagForm
from campusvoice.supporters.models import ConsentRecord, MergeRecord, MergeSuggestion, Person, Tag

PAGE_SIZE = 50
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _person_or_404(pk: int) -> Person:
    try:
        return selectors.person_get(pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None


@requires("supporters.view")
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET)
    people = selectors.people_list(**form.filters())
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in request.GET.items() if k in selectors.FILTER_KEYS and v}
    return render(
        request,
        "supporters/person_list.html",
        {
            "form": form,
            "page": page,
            "saved_lists": [
                (saved, f"{reverse('supporters:person-list')}?{urlencode(saved.filters)}")
                for saved in selectors.saved_lists()
            ],
            "save_form": SavedListForm(),
            "filters_query": urlencode(filters),
            "has_filters": bool(filters),
        },
    )


@requires("supporters.edit")
@require_POST
def saved_list_create(request: HttpRequest) -> HttpResponse:
    form = SavedListForm(request.POST)
    filters = {k: v for k, v in request.POST.items() if k in selectors.FILTER_KEYS and v}
    if form.is_valid():
        services.saved_list_create(name=form.cleaned_data["name"], filters=filters, by=request.user)
        messages.success(request, _("List saved."))
    else:
        messages.error(request, _("Give the list a name."))
    return redirect(f"{reverse('supporters:person-list')}?{urlencode(filters)}")


@requires("supporters.view")
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_or_404(pk)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, object_type="person", object_id=person.pk)
    return render(
        request,
        "supporters/person_detail.html",
        {
            "person": person,
            "timeline": selectors.person_timeline(person=person),
            "merges": selectors.person_merges(person=person),
            "tag_form": TagForm(),
            "all_tags": Tag.objects.all(),
        },
    )


@requires("supporters.edit")
@require_POST
def person_tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk, merged_into__isnull=True)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.person_tag_add(person=person, name=form.cleaned_data["name"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("supporters:person-detail", pk=person.pk)


@requires("supporters.edit")
@require_POST
def person_tag_remove(request: HttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    tag = get_object_or_404(Tag, pk=tag_pk)
    services.person_tag_remove(person=person, tag=tag, by=request.user)
    return redirect("supporters:person-detail", pk=person.pk)


@requires("supporters.edit")
@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    """GET previews merging `other_pk` into `pk`; POST does it."""
    keep, merge = _person_or_404(pk), _person_or_404(other_pk)
    try:
        preview = services.people_merge_preview(keep=keep, merge=merge)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("supporters:merge-list")
    if request.method == "POST":
        record = services.people_merge(
            keep=keep, merge=merge, by=request.user, reason="merged by an organiser"
        )
        messages.success(request, _("Merged. You can undo this from the merges page."))
        return redirect(f"{reverse('supporters:person-detail', args=[keep.pk])}#merge-{record.pk}")
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="person",
        object_id=keep.pk,
        summary="merge preview",
        detail={"other": merge.pk},
    )
    return render(request, "supporters/merge_preview.html", {"preview": preview})


@requires("supporters.view")
@require_GET
def merge_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supporters/merge_list.html",
        {"suggestions": selectors.merge_suggestions_pending(), "merges": selectors.merges_recent()},
    )


@requires("supporters.edit")
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(MergeRecord, pk=pk)
    try:
        services.merge_undo(record=record, by=request.user)
        messages.success(request, _("Merge undone: both people are back on the list."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("supporters:merge-list")


@requires("supporters.edit")
@require_POST
def merge_suggestion_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(MergeSuggestion, pk=pk)
    services.merge_suggestion_dismiss(suggestion=suggestion, by=request.user)
    messages.success(request, _("Marked as two different people."))
    return redirect("supporters:merge-list")


@requires("supporters.view")
@require_GET
def campus_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "supporters/campus_overview.html", {"rows": selectors.campus_overview()})


@requires("personal_data.export")
@require_GET
def person_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = PersonFilterForm(request.GET)
    filters = form.filters()
    people = list(selectors.people_list(**filters))
    contact = {
        c.person_id: c.granted
        for c in ConsentRecord.objects.filter(
            person__in=people, purpose=ConsentRecord.Purpose.CONTACT
        ).order_by("person_id", "at", "pk")
    }  # the newest choice wins
    header = [
        _("id"),
        _("given name"),
        _("family name"),
        _("e-mail"),
        _("e-mail confirmed"),
        _("campus"),
        _("ladder step"),
        _("score"),
        _("tags"),
        _("may be contacted"),
        _("added"),
    ]
    rows = []
    for person in people:
        email = next(iter(person.emails.all()), None)
        rows.append(
            [
                person.pk,
                person.given_name,
                person.family_name,
                email.address if email else "",
                bool(email and email.verified_at),
                person.campus.name if person.campus else "",
                person.get_ladder_step_display(),
                person.score,
                ", ".join(t.name for t in person.tags.all()),
                {True: _("yes"), False: _("no")}.get(contact.get(person.pk), _("not asked")),
                person.created_at,
            ]
        )
    # The search text may be an address: the log keeps which filters were used, not their values.
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        object_type="people",
        summary=f"{fmt} export",
        detail={"count": len(rows), "filters": sorted(k for k, v in filters.items() if v)},
    )
    if fmt == "csv":
        body = spreadsheets.rows_to_csv(header, rows)
    else:
        body = spreadsheets.rows_to_xlsx(header, rows, title="Supporters")
    response = HttpResponse(body, content_type=EXPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="supporters-{timezone.now():%Y%m%d-%H%M}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
