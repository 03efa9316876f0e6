from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from campusvoice.accounts.access import public, requires
from campusvoice.errors import ApplicationError
from campusvoice.privacy import health as health_checks
from campusvoice.privacy import selectors, services
from campusvoice.privacy.forms import ErasureForm
from campusvoice.supporters.models import Person

# The export's tables, as the person page names them.
TABLES = {
    "person": gettext_lazy("Person records (with people merged into this one)"),
    "emails": gettext_lazy("E-mail addresses"),
    "phones": gettext_lazy("Phone numbers"),
    "identities": gettext_lazy("Social media identities"),
    "tags": gettext_lazy("Tags"),
    "consents": gettext_lazy("Consent records"),
    "events": gettext_lazy("Engagement events"),
    "signatures": gettext_lazy("Signatures"),
    "stories": gettext_lazy("Stories (by reply address)"),
    "comments": gettext_lazy("Comments they wrote"),
    "replies": gettext_lazy("Replies to them"),
    "merges": gettext_lazy("Merges"),
}


def _person_or_404(pk: int) -> Person:
    return get_object_or_404(Person, pk=pk)


@requires("personal_data.export")
def person_privacy(request: HttpRequest, pk: int) -> HttpResponse:
    """What we hold about a person, as counts; the export button and the way to erasure."""
    person = _person_or_404(pk)
    counts, error = [], None
    try:
        footprint = selectors.person_footprint(person=person)
    except ApplicationError as exc:
        error = exc
    else:
        data = services.person_export_data(footprint=footprint)
        counts = [(TABLES.get(name, name), len(rows)) for name, rows in data.items()]
    return render(request, "privacy/person.html", {"person": person, "counts": counts, "error": error})


@requires("personal_data.export")
@require_POST
def person_export(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_or_404(pk)
    try:
        archive = services.person_export(person=person, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:person", pk=person.pk)
    response = HttpResponse(archive, content_type="application/zip")
    # The id only: a file name ends up in download histories and proxy logs.
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@requires("personal_data.export")
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for the typed confirmation; POST erases, then goes back to the people list."""
    person = _person_or_404(pk)
    form = ErasureForm(request.POST or None, person_id=person.pk)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.person_erase(person=person, by=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("privacy:person", pk=person.pk)
        messages.success(
            request,
            _(
                "Person %(id)s was erased: %(signatures)s signatures and %(comments)s comments kept without personal data."
            )
            % {"id": report.person_id, "signatures": report.signatures, "comments": report.comments},
        )
        return redirect("supporters:person-list")
    return render(request, "privacy/person_erase.html", {"person": person, "form": form})


@requires("personal_data.export")
def retention(request: HttpRequest) -> HttpResponse:
    """GET shows what the retention rules would remove now; POST applies them."""
    if request.method == "POST":
        report = services.retention_run()
        messages.success(request, _("Retention rules applied."))
        return render(request, "privacy/retention.html", {"report": report})
    return render(request, "privacy/retention.html", {"report": services.retention_run(dry_run=True)})


@requires("audit.view")
def status(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/status.html",
        {"health": health_checks.health_checks(), "figures": health_checks.status_figures()},
    )


@public
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 with status "ok", or 503. No personal data, no details."""
    result = health_checks.health_checks()
    return JsonResponse(result, status=200 if result["status"] == health_checks.OK else 503)
