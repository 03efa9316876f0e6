"""Letters read as a person would read them: numbers, decimals and dates in the letter's language."""

import datetime as dt
import shutil
import subprocess

import pytest
import time_machine

from campusvoice.campaigns.models import ReachSnapshot
from campusvoice.campuses.tests.factories import IncidentStatisticFactory, UniversityFactory
from campusvoice.outreach.services import documents
from campusvoice.outreach.services.letters import letter_render
from campusvoice.outreach.tests.factories import LetterFactory, LetterTemplateFactory
from campusvoice.petitions.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

BODY = (
    "{{ campus.enrollment.total }} / {{ reach.share_percent }}% / "
    "{{ campus.incidents.total }} in {{ campus.incidents.year }}"
)


@pytest.fixture
def letter_for():
    def make(language):
        campus = UniversityFactory(name="Ateneo", enrollment_total=87_654, enrollment_year=2024)
        IncidentStatisticFactory(university=campus, year=2023, count=1_234)
        campaign = CampaignFactory(starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31))
        ReachSnapshot.objects.create(
            campaign=campaign,
            university=campus,
            level=ReachSnapshot.Level.AD_SET,
            source=ReachSnapshot.Source.MANUAL,
            name="x",
            date_start=dt.date(2026, 3, 1),
            date_stop=dt.date(2026, 3, 31),
            reach=25_000,
        )
        template = LetterTemplateFactory(language=language, subject="S", body=BODY)
        letter = LetterFactory(
            campaign=campaign,
            university=campus,
            template=template,
            language=language,
            recipient_organisation="A",
        )
        return letter_render(letter=letter)

    return make


@pytest.mark.parametrize(
    "language, expected",
    [("en", "87,654 / 28.5% / 1,234 in 2023"), ("it", "87.654 / 28,5% / 1.234 in 2023")],
)
def test_figures_are_written_the_way_the_letters_language_writes_them(letter_for, language, expected):
    assert letter_for(language).body == expected


def test_the_figures_recorded_with_the_letter_stay_plain_numbers(letter_for):
    letter = letter_for("it")
    assert letter.figures["enrollment"]["total"] == 87_654
    assert letter.figures["reach"]["people"] == 25_000


@pytest.mark.parametrize("language, date", [("en", "November 28, 2026"), ("it", "28 novembre 2026")])
def test_the_pdf_spells_the_date_in_the_letters_language(letter_for, language, date):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    letter = letter_for(language)
    with time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)):
        data = documents.letter_pdf_bytes(letters=[letter])
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert date in text
