"""Letters as files: PDF (WeasyPrint, A4, letterhead), DOCX (python-docx) and ZIPs of either.

The PDF is made from templates/outreach/letter_pdf.html with system fonts only. WeasyPrint may
fetch nothing from the network: its fetcher accepts file: and data: URLs only, so a URL that ever
slipped into a letter could not make the server call out.
"""

import io
import zipfile
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from campusvoice.accounts.models import User
from campusvoice.accounts.services import organisation_get
from campusvoice.errors import ApplicationError
from campusvoice.outreach.models import Letter, LetterDelivery
from campusvoice.outreach.services.letters import letter_delivery_record, letter_require_rendered

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def letterhead_logo() -> str:
    """A file: URL of the organisation's logo (setting CAMPUSVOICE_LETTERHEAD_LOGO), or ""."""
    path = getattr(settings, "CAMPUSVOICE_LETTERHEAD_LOGO", "")
    return Path(path).resolve().as_uri() if path and Path(path).is_file() else ""


def local_url_fetcher():
    """WeasyPrint's fetcher, limited to file: and data: URLs (anything else raises)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(
        allowed_protocols={"file", "data"}, allow_redirects=False, timeout=1, fail_on_errors=True
    )


def letter_pdf_bytes(*, letters: list[Letter]) -> bytes:
    """One PDF holding these letters, each starting on a new page."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ApplicationError(
            _("PDFs need WeasyPrint and the Pango library; download the Word document instead.")
        ) from exc
    organisation, logo = organisation_get(), letterhead_logo()
    pages = []
    for letter in letters:
        letter_require_rendered(letter)
        with override(letter.language):
            pages.append(
                render_to_string(
                    "outreach/_letter_page.html",
                    {
                        "letter": letter,
                        "organisation": organisation,
                        "logo": logo,
                        "date": _letter_date(letter),
                    },
                )
            )
    html = render_to_string("outreach/letter_pdf.html", {"pages": pages, "organisation": organisation})
    return HTML(
        string=html, base_url=str(Path(__file__).resolve().parent), url_fetcher=local_url_fetcher()
    ).write_pdf()


def _letter_date(letter: Letter) -> str:
    # A letter spells the month out: "November 28, 2026", "28 novembre 2026" (Italian months are
    # lower case; Django's names are capitalised). Django's DATE_FORMAT abbreviates ("Nov. 28").
    with override(letter.language):
        if letter.language == "it":
            return formats.date_format(timezone.localdate(), "j F Y").lower()
        return formats.date_format(timezone.localdate(), "F j, Y")


def letter_docx_bytes(*, letter: Letter) -> bytes:
    """The letter as a Word document for editing: letterhead, date, recipient, subject, text."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    letter_require_rendered(letter)
    organisation = organisation_get()
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.2)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Liberation Serif", Pt(11)

    head = document.add_paragraph()
    run = head.add_run(organisation.name)
    run.bold, run.font.size = True, Pt(15)
    for line in [*organisation.address.splitlines(), organisation.website]:
        if line.strip():
            small = document.add_paragraph(line.strip())
            small.runs[0].font.size = Pt(9)
    document.add_paragraph(_letter_date(letter)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for line in (letter.recipient_name, letter.recipient_title, letter.recipient_organisation):
        if line:
            document.add_paragraph(line)
    subject = document.add_paragraph()
    subject.add_run(letter.subject).bold = True
    for paragraph in letter.body.split("\n\n"):
        document.add_paragraph(paragraph.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def letter_file_name(letter: Letter, fmt: str) -> str:
    parts = [
        letter.university.short_name or letter.university.name,
        letter.kind,
        letter.recipient_organisation,
    ]
    return f"{letter.pk:05d}-{slugify('-'.join(parts))[:80]}.{fmt}"


def letter_file(*, letter: Letter, fmt: str, by: User | None) -> tuple[str, bytes]:
    """(file name, bytes) of one letter as PDF or DOCX; records the delivery."""
    data = letter_pdf_bytes(letters=[letter]) if fmt == "pdf" else letter_docx_bytes(letter=letter)
    letter_delivery_record(letter=letter, channel=LetterDelivery.Channel(fmt), by=by)
    return letter_file_name(letter, fmt), data


def letters_zip(*, letters: list[Letter], fmt: str, by: User | None) -> bytes:
    """A ZIP with one PDF or DOCX per letter that can be rendered (fmt "all": both, in pdf/ and
    docx/ folders); records each delivery.

    Letters in ERROR are left out and listed, with the reason naming the recipient, in
    README.txt inside the ZIP.
    """
    formats_wanted = list(CONTENT_TYPES) if fmt == "all" else [fmt]
    buffer = io.BytesIO()
    skipped = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for letter in letters:
            if letter.status == Letter.Status.ERROR:
                skipped.append(f"{letter.pk}: {letter.error}")
                continue
            for wanted in formats_wanted:
                name, data = letter_file(letter=letter, fmt=wanted, by=by)
                archive.writestr(f"{wanted}/{name}" if fmt == "all" else name, data)
        if skipped:
            archive.writestr("README.txt", _("Letters left out:") + "\n" + "\n".join(skipped) + "\n")
    return buffer.getvalue()
