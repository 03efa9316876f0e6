"""The delivery document: one page per campus, addressed to its target, with its counts.

Rendered with WeasyPrint from templates/petitions/delivery.html. Counts only, no names: the
signers agreed to be counted and delivered, and the target does not need their addresses.
"""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.errors import ApplicationError
from campusvoice.petitions import selectors
from campusvoice.petitions.models import Petition


def delivery_context(*, petition: Petition) -> dict:
    counts = selectors.version_counts(petition=petition)
    versions = []
    for v in petition.versions.select_related("university").order_by("university__name"):
        # Each campus's page in its own language: Italian for Italian campuses, English elsewhere.
        lang = "it" if v.university.country == "IT" else "en"
        versions.append(
            {
                "version": v,
                "counts": counts.get(v.pk, selectors.Counts()),
                "lang": lang,
                "title": v.title(lang),
                "text": v.text(lang),
            }
        )
    return {
        "petition": petition,
        "versions": versions,
        "total": selectors.petition_counts(petition=petition),
        "unassigned": counts.get(None, selectors.Counts()),
        "today": timezone.localdate(),
    }


def delivery_pdf(*, petition: Petition) -> bytes:
    """The PDF; raises ApplicationError when WeasyPrint or its system libraries are missing."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ApplicationError(
            _(
                "PDFs need WeasyPrint and the Pango library (Debian: apt install libpango-1.0-0 "
                "libpangoft2-1.0-0). Until then, print the delivery page from the browser."
            )
        ) from exc
    html = render_to_string("petitions/delivery.html", delivery_context(petition=petition))
    return HTML(string=html).write_pdf()
