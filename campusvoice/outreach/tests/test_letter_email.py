"""An e-mailed letter reaches a real SMTP server (aiosmtpd) with its PDF attached."""

import datetime as dt
import shutil
import subprocess
from email import message_from_bytes, policy

import pytest

from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.outreach.services.letters import letter_email, letter_render
from campusvoice.outreach.tests.factories import LetterFactory
from campusvoice.petitions.models import OutgoingEmail
from campusvoice.petitions.tests.conftest import smtp_server  # noqa: F401 - the fixture
from campusvoice.petitions.tests.factories import CampaignFactory

# On-commit sending needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_letter_arrives_with_its_text_and_the_pdf_letter_attached(smtp_server):  # noqa: F811
    campus = UniversityFactory(name="Springfield State University")
    campaign = CampaignFactory(
        name="Consent Week", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    letter = letter_render(
        letter=LetterFactory(campaign=campaign, university=campus, recipient_organisation=campus.name)
    )

    letter_email(letter=letter, by=None)

    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [letter.recipient_email]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == letter.subject
    assert (
        message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n").strip() == letter.body
    )
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename().endswith(".pdf") and "springfield" in part.get_filename()
    assert part.get_content().startswith(b"%PDF-")
    if shutil.which("pdftotext"):  # poppler-utils: read the PDF as a reader would
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=part.get_content(), capture_output=True, check=True
        ).stdout.decode()
        assert letter.subject in " ".join(text.split())
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
