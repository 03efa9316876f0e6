"""The campus directory's pages: list, detail, edits, priorities, shortlists and imports."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campusvoice.accounts.access import can, requires
from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.campuses import selectors, services
from campusvoice.campuses.forms import (
    CampusFilterForm,
    CampusGroupForm,
    ContactForm,
    CoordinatesForm,
    ImportForm,
    PriorityForm,
    ShortlistCreateForm,
    ShortlistForm,
    StudentNewspaperForm,
    SupportResourceForm,
)
from campusvoice.campuses.imports import IMPORT_KINDS, DirectoryImportError
from campusvoice.campuses.models import (
    CampusGroup,
    Contact,
    Shortlist,
    ShortlistEntry,
    StudentNewspaper,
    SupportResource,
    University,
)
from campusvoice.campuses.priority import Weights, priority_ranking

PAGE_SIZE = 50


def _years_label(years: list[int]) -> str:
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{min(years)}–{max(years)}"


# The directory -------------------------------------------------------------------------------


@requires("campuses.view")
@require_GET
def campus_list(request: HttpRequest) -> HttpResponse:
    form = CampusFilterForm(
        request.GET,
        countries=selectors.university_countries(),
        regions=selectors.university_regions(),
    )
    years = selectors.incident_years_window()
    universities = selectors.universities_list(years=years, **form.filters())
    page = Paginator(universities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "years_label": _years_label(years)}
    # htmx live filtering swaps only the results; without JavaScript the whole page reloads.
    if request.htmx and not request.htmx.boosted and request.htmx.target == "campus-results":
        response = render(request, "campuses/_campus_table.html", context)
    else:
        response = render(request, "campuses/campus_list.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _university_or_404(pk: int) -> University:
    try:
        return selectors.university_get(pk=pk)
    except University.DoesNotExist:
        raise Http404 from None


@requires("campuses.view")
@require_GET
def campus_detail(request: HttpRequest, pk: int) -> HttpResponse:
    university = _university_or_404(pk)
    contacts = None
    if can(request.user, "contacts.view"):
        contacts = list(selectors.university_contacts(university=university))
        if contacts:
            # Names and addresses of people are on screen: record who looked.
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.VIEW,
                object_type="university_contacts",
                object_id=university.pk,
                detail={"count": len(contacts)},
            )
    years = selectors.incident_years_window()
    context = {
        "university": university,
        "contacts": contacts,
        "incidents": selectors.university_incident_table(university=university),
        "national_resources": selectors.support_resources_for(university=university),
        "years_label": _years_label(years),
        "coordinates_form": CoordinatesForm(
            initial={"latitude": university.latitude, "longitude": university.longitude}
        ),
    }
    return render(request, "campuses/campus_detail.html", context)


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def campus_coordinates(request: HttpRequest, pk: int) -> HttpResponse:
    university = get_object_or_404(University, pk=pk)
    form = CoordinatesForm(
        request.POST or None, initial={"latitude": university.latitude, "longitude": university.longitude}
    )
    if request.method == "POST" and form.is_valid():
        if _saved(
            form,
            lambda: services.university_coordinates_set(
                university=university, by=request.user, **form.cleaned_data
            ),
        ):
            messages.success(request, _("Coordinates saved."))
            return redirect("campuses:detail", pk=university.pk)
    return _form_page(
        request,
        form=form,
        title=_("Coordinates of %(name)s") % {"name": university.name},
        university=university,
        help=_(
            "Set the campus's position by hand, for example where no directory gives one. "
            "Leave both empty to clear it."
        ),
    )


# Shared helpers for the edit pages -----------------------------------------------------------


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where the form has that field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _saved(form: Form, write: Callable[[], object]) -> bool:
    """Run a service; put its ValidationError on the form. True if it saved."""
    try:
        write()
    except ValidationError as exc:
        _add_errors(form, exc)
        return False
    return True


def _form_page(
    request: HttpRequest,
    *,
    form: Form,
    title: str,
    university: University | None = None,
    cancel_url: str = "",
    help: str = "",
) -> HttpResponse:
    if not cancel_url:
        cancel_url = (
            reverse("campuses:detail", args=[university.pk]) if university else reverse("campuses:list")
        )
    context = {"form": form, "title": title, "university": university, "cancel_url": cancel_url, "help": help}
    return render(request, "campuses/object_form.html", context, status=400 if form.errors else 200)


def _confirm_page(request: HttpRequest, *, question: str, cancel_url: str) -> HttpResponse:
    return render(request, "campuses/confirm_delete.html", {"question": question, "cancel_url": cancel_url})


def _edit(
    request: HttpRequest,
    *,
    form: Form,
    write: Callable[[], object],
    done: str,
    back: str,
    title: str,
    university: University | None,
) -> HttpResponse:
    """The create/update flow every edit page shares: validate, call the service, redirect."""
    if request.method == "POST" and form.is_valid() and _saved(form, write):
        messages.success(request, done)
        return redirect(back)
    return _form_page(request, form=form, title=title, university=university, cancel_url=back)


def _delete(request: HttpRequest, *, delete: Callable[[], object], question: str, done: str, back: str):
    if request.method == "POST":
        delete()
        messages.success(request, done)
        return redirect(back)
    return _confirm_page(request, question=question, cancel_url=back)


def _detail_url(university_id: int, anchor: str = "") -> str:
    return reverse("campuses:detail", args=[university_id]) + (f"#{anchor}" if anchor else "")


# Groups ---------------------------------------------------------------------------------------


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    university = get_object_or_404(University, pk=pk)
    form = CampusGroupForm(request.POST or None, instance=CampusGroup(university=university))
    return _edit(
        request,
        form=form,
        write=lambda: services.campus_group_create(
            university=university, by=request.user, **form.cleaned_data
        ),
        done=_("Group added."),
        back=_detail_url(university.pk, "groups"),
        title=_("Add a campus group"),
        university=university,
    )


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def group_update(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(CampusGroup.objects.select_related("university"), pk=pk)
    form = CampusGroupForm(request.POST or None, instance=group)
    return _edit(
        request,
        form=form,
        write=lambda: services.campus_group_update(group=group, by=request.user, **form.cleaned_data),
        done=_("Group saved."),
        back=_detail_url(group.university_id, "groups"),
        title=_("Edit %(name)s") % {"name": group.name},
        university=group.university,
    )


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(CampusGroup, pk=pk)
    return _delete(
        request,
        delete=lambda: services.campus_group_delete(group=group, by=request.user),
        question=_("Delete the group %(name)s? Its contacts stay on the campus.") % {"name": group.name},
        done=_("Group deleted."),
        back=_detail_url(group.university_id, "groups"),
    )


# Newspapers -----------------------------------------------------------------------------------


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def newspaper_create(request: HttpRequest, pk: int) -> HttpResponse:
    university = get_object_or_404(University, pk=pk)
    form = StudentNewspaperForm(request.POST or None, instance=StudentNewspaper(university=university))
    return _edit(
        request,
        form=form,
        write=lambda: services.newspaper_create(university=university, by=request.user, **form.cleaned_data),
        done=_("Newspaper added."),
        back=_detail_url(university.pk, "newspapers"),
        title=_("Add a student newspaper"),
        university=university,
    )


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def newspaper_update(request: HttpRequest, pk: int) -> HttpResponse:
    newspaper = get_object_or_404(StudentNewspaper.objects.select_related("university"), pk=pk)
    form = StudentNewspaperForm(request.POST or None, instance=newspaper)
    return _edit(
        request,
        form=form,
        write=lambda: services.newspaper_update(newspaper=newspaper, by=request.user, **form.cleaned_data),
        done=_("Newspaper saved."),
        back=_detail_url(newspaper.university_id, "newspapers"),
        title=_("Edit %(name)s") % {"name": newspaper.name},
        university=newspaper.university,
    )


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def newspaper_delete(request: HttpRequest, pk: int) -> HttpResponse:
    newspaper = get_object_or_404(StudentNewspaper, pk=pk)
    return _delete(
        request,
        delete=lambda: services.newspaper_delete(newspaper=newspaper, by=request.user),
        question=_("Delete the newspaper %(name)s?") % {"name": newspaper.name},
        done=_("Newspaper deleted."),
        back=_detail_url(newspaper.university_id, "newspapers"),
    )


# Contacts (personal data) ---------------------------------------------------------------------


@requires("contacts.edit")
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    university = get_object_or_404(University, pk=pk)
    form = ContactForm(request.POST or None, instance=Contact(university=university), university=university)
    return _edit(
        request,
        form=form,
        write=lambda: services.contact_create(university=university, by=request.user, **form.cleaned_data),
        done=_("Contact added."),
        back=_detail_url(university.pk, "contacts"),
        title=_("Add a contact"),
        university=university,
    )


@requires("contacts.edit")
@require_http_methods(["GET", "POST"])
def contact_update(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("university"), pk=pk)
    form = ContactForm(request.POST or None, instance=contact, university=contact.university)
    return _edit(
        request,
        form=form,
        write=lambda: services.contact_update(contact=contact, by=request.user, **form.cleaned_data),
        done=_("Contact saved."),
        back=_detail_url(contact.university_id, "contacts"),
        title=_("Edit contact"),
        university=contact.university,
    )


@requires("contacts.edit")
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    return _delete(
        request,
        delete=lambda: services.contact_delete(contact=contact, by=request.user),
        question=_("Delete this contact and their details? This cannot be undone."),
        done=_("Contact deleted."),
        back=_detail_url(contact.university_id, "contacts"),
    )


# Support resources ----------------------------------------------------------------------------


@requires("campuses.view")
@require_GET
def resource_list(request: HttpRequest) -> HttpResponse:
    countries = selectors.university_countries()
    country = request.GET.get("country", "")
    resources = selectors.support_resources_list(country=country if country in countries else "")
    return render(
        request,
        "campuses/resource_list.html",
        {"resources": resources, "countries": countries, "country": country},
    )


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    university = get_object_or_404(University, pk=pk) if pk is not None else None
    form = SupportResourceForm(request.POST or None, for_campus=university is not None)
    back = _detail_url(university.pk, "support") if university else reverse("campuses:resource-list")
    return _edit(
        request,
        form=form,
        write=lambda: services.support_resource_create(
            university=university, by=request.user, **form.cleaned_data
        ),
        done=_("Support resource added."),
        back=back,
        title=_("Add a support resource for this campus")
        if university
        else _("Add a national support resource"),
        university=university,
    )


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def resource_update(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_object_or_404(SupportResource.objects.select_related("university"), pk=pk)
    form = SupportResourceForm(
        request.POST or None, instance=resource, for_campus=resource.university_id is not None
    )
    back = (
        _detail_url(resource.university_id, "support")
        if resource.university_id
        else reverse("campuses:resource-list")
    )
    return _edit(
        request,
        form=form,
        write=lambda: services.support_resource_update(
            resource=resource, by=request.user, **form.cleaned_data
        ),
        done=_("Support resource saved."),
        back=back,
        title=_("Edit %(name)s") % {"name": resource.name},
        university=resource.university,
    )


@requires("campuses.edit")
@require_http_methods(["GET", "POST"])
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = get_object_or_404(SupportResource, pk=pk)
    back = (
        _detail_url(resource.university_id, "support")
        if resource.university_id
        else reverse("campuses:resource-list")
    )
    return _delete(
        request,
        delete=lambda: services.support_resource_delete(resource=resource, by=request.user),
        question=_("Delete the support resource %(name)s?") % {"name": resource.name},
        done=_("Support resource deleted."),
        back=back,
    )


# Priorities and shortlists --------------------------------------------------------------------


def _priority_context(request: HttpRequest, data, *, save_form: ShortlistCreateForm | None = None) -> dict:
    form = PriorityForm(data or None, countries=selectors.university_countries())
    params = form.parameters()
    weights = Weights(
        enrollment=params["w_enrollment"],
        incidents=params["w_incidents"],
        relationships=params["w_relationships"],
    )
    ranking = priority_ranking(
        weights=weights, country=params["country"], min_enrollment=params["min_enrollment"]
    )
    page = Paginator(ranking, PAGE_SIZE).get_page(data.get("page"))
    if save_form is None:
        save_form = ShortlistCreateForm(university_ids=[])
    selected = {str(v) for v in (save_form.data.getlist("universities") if save_form.is_bound else [])}
    return {
        "form": form,
        "params": params,
        "weights": weights,
        "page": page,
        "save_form": save_form,
        "selected": selected,
        "years_label": _years_label(selectors.incident_years_window()),
    }


@requires("campuses.edit")
@require_GET
def priority(request: HttpRequest) -> HttpResponse:
    return render(request, "campuses/priority.html", _priority_context(request, request.GET))


@requires("shortlists.edit")
@require_POST
def shortlist_create(request: HttpRequest) -> HttpResponse:
    # Scores are computed again here from the posted weights and filters, never taken from the page.
    form = PriorityForm(request.POST, countries=selectors.university_countries())
    params = form.parameters()
    weights = Weights(
        enrollment=params["w_enrollment"],
        incidents=params["w_incidents"],
        relationships=params["w_relationships"],
    )
    ranking = priority_ranking(
        weights=weights, country=params["country"], min_enrollment=params["min_enrollment"]
    )
    save_form = ShortlistCreateForm(request.POST, university_ids=[r.university.pk for r in ranking])
    if save_form.is_valid():
        chosen = set(save_form.cleaned_data["universities"])
        try:
            shortlist = services.shortlist_create(
                name=save_form.cleaned_data["name"],
                description=save_form.cleaned_data["description"],
                scores=[r.score for r in ranking if r.university.pk in chosen],
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(save_form, exc)
        else:
            messages.success(request, _("Shortlist saved."))
            return redirect("campuses:shortlist-detail", pk=shortlist.pk)
    context = _priority_context(request, request.POST, save_form=save_form)
    return render(request, "campuses/priority.html", context, status=400)


@requires("shortlists.edit")
@require_GET
def shortlist_list(request: HttpRequest) -> HttpResponse:
    return render(request, "campuses/shortlist_list.html", {"shortlists": selectors.shortlists_list()})


@requires("shortlists.edit")
@require_http_methods(["GET", "POST"])
def shortlist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shortlist = get_object_or_404(Shortlist, pk=pk)
    form = ShortlistForm(
        request.POST or None, initial={"name": shortlist.name, "description": shortlist.description}
    )
    if request.method == "POST" and form.is_valid():
        if _saved(
            form, lambda: services.shortlist_update(shortlist=shortlist, by=request.user, **form.cleaned_data)
        ):
            messages.success(request, _("Shortlist saved."))
            return redirect("campuses:shortlist-detail", pk=shortlist.pk)
    entries = selectors.shortlist_entries(shortlist=shortlist)
    return render(
        request,
        "campuses/shortlist_detail.html",
        {"shortlist": shortlist, "entries": entries, "form": form},
        status=400 if form.errors else 200,
    )


@requires("shortlists.edit")
@require_http_methods(["GET", "POST"])
def shortlist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shortlist = get_object_or_404(Shortlist, pk=pk)
    if request.method == "POST":
        services.shortlist_delete(shortlist=shortlist, by=request.user)
        messages.success(request, _("Shortlist deleted."))
        return redirect("campuses:shortlist-list")
    return _confirm_page(
        request,
        question=_("Delete the shortlist %(name)s? The campuses stay in the directory.")
        % {"name": shortlist.name},
        cancel_url=reverse("campuses:shortlist-detail", args=[shortlist.pk]),
    )


@requires("shortlists.edit")
@require_POST
def shortlist_entry_move(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = get_object_or_404(ShortlistEntry, pk=entry_pk, shortlist_id=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.shortlist_entry_move(entry=entry, offset=offset, by=request.user)
    return redirect(reverse("campuses:shortlist-detail", args=[pk]) + "#entries")


@requires("shortlists.edit")
@require_POST
def shortlist_entry_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = get_object_or_404(ShortlistEntry, pk=entry_pk, shortlist_id=pk)
    services.shortlist_entry_remove(entry=entry, by=request.user)
    messages.success(request, _("Campus removed from the shortlist."))
    return redirect(reverse("campuses:shortlist-detail", args=[pk]) + "#entries")


# Imports --------------------------------------------------------------------------------------


@requires("campuses.import")
@require_http_methods(["GET", "POST"])
def campus_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, kinds=IMPORT_KINDS)
    report = import_error = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.directory_upload_import(
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    dry_run=form.cleaned_data["dry_run"],
                    by=request.user,
                )
            except DirectoryImportError as exc:
                import_error, status = exc, 400
        else:
            status = 400
    context = {
        "form": form,
        "report": report,
        "import_error": import_error,
        "runs": selectors.import_runs_recent(),
        "kinds": IMPORT_KINDS,
    }
    return render(request, "campuses/import.html", context, status=status)
