"""The demo directory: real universities with real figures, loaded once."""

from io import StringIO

import pytest
from django.conf import settings

from campusvoice.campuses import demo
from campusvoice.campuses.models import ImportRun, IncidentStatistic, SupportResource, University

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not settings.SHARED_DATA_DIR.is_dir(), reason="shared/data is not beside the repository"
    ),
]


def test_it_loads_twenty_real_universities_with_their_figures():
    demo.load(stdout=StringIO())

    assert University.objects.filter(country="US").count() == 15
    assert University.objects.filter(country="IT").count() == 5
    osu = University.objects.get(ipeds_unitid="204796")
    assert osu.enrollment_total == 61391
    rapes = IncidentStatistic.objects.get(university=osu, year=2022, category="rape", location="on_campus")
    assert rapes.count == 86
    bologna = University.objects.get(mur_code="03701")
    assert bologna.coordinates_source == "gazetteer" and bologna.latitude is not None
    assert SupportResource.objects.get(country="IT", university=None).phone == "1522"
    assert SupportResource.objects.get(country="US", university=None).phone == "800-656-4673"
    assert SupportResource.objects.filter(university__ipeds_unitid="228778", name="Title IX Office").exists()


def test_loading_twice_changes_nothing():
    demo.load(stdout=StringIO())
    counts = (University.objects.count(), IncidentStatistic.objects.count(), SupportResource.objects.count())
    runs = ImportRun.objects.count()

    demo.load(stdout=StringIO())

    assert (
        University.objects.count(),
        IncidentStatistic.objects.count(),
        SupportResource.objects.count(),
    ) == counts
    assert ImportRun.objects.count() == runs
