import pytest

from campusvoice.campuses.models import IncidentStatistic
from campusvoice.campuses.selectors import (
    incident_years_window,
    universities_list,
    universities_with_figures,
    university_get,
    university_incident_table,
    university_regions,
)
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    IncidentStatisticFactory,
    UniversityFactory,
)

pytestmark = pytest.mark.django_db

Category, Location = IncidentStatistic.Category, IncidentStatistic.Location


def names(queryset):
    return [u.name for u in queryset]


@pytest.fixture
def campus_with_figures():
    """12,500 students; 6 reported on campus in 2020-2022 (hand count below): 4.8 per 10,000."""
    university = UniversityFactory(name="Figures U", enrollment_total=12_500)
    IncidentStatisticFactory(university=university, year=2022, category=Category.RAPE, count=3)
    IncidentStatisticFactory(university=university, year=2021, category=Category.FONDLING, count=2)
    IncidentStatisticFactory(university=university, year=2020, category=Category.STALKING, count=1)
    # Residence-hall figures are a subset of on-campus ones: not counted again.
    IncidentStatisticFactory(
        university=university, year=2022, category=Category.RAPE, location=Location.RESIDENCE_HALL, count=2
    )
    # Outside the three most recent years.
    IncidentStatisticFactory(university=university, year=2019, category=Category.RAPE, count=10)
    return university


def test_it_takes_the_three_most_recent_years_with_figures(campus_with_figures):
    assert incident_years_window() == [2022, 2021, 2020]


def test_it_computes_incidents_per_10k_students_against_a_hand_count(campus_with_figures):
    university = universities_with_figures().get(pk=campus_with_figures.pk)

    assert university.incidents == 6
    assert university.incidents_per_10k == pytest.approx(4.8)


def test_it_has_no_rate_without_enrollment_or_without_figures(campus_with_figures):
    no_enrollment = UniversityFactory(enrollment_total=None)
    IncidentStatisticFactory(university=no_enrollment, count=4)
    no_figures = UniversityFactory()

    rows = {u.pk: u for u in universities_with_figures()}

    assert rows[no_enrollment.pk].incidents == 4 and rows[no_enrollment.pk].incidents_per_10k is None
    assert rows[no_figures.pk].incidents is None and rows[no_figures.pk].incidents_per_10k is None


def test_it_counts_groups_and_contacts_without_multiplying_the_sums(campus_with_figures):
    CampusGroupFactory.create_batch(2, university=campus_with_figures)
    ContactFactory.create_batch(3, university=campus_with_figures)

    university = universities_with_figures().get(pk=campus_with_figures.pk)

    assert (university.group_count, university.contact_count, university.incidents) == (2, 3, 6)


def test_it_searches_names_and_cities_in_any_case():
    UniversityFactory(name="Università di Bologna", city="Bologna", country="IT")
    UniversityFactory(name="Alma College", city="Alma")
    UniversityFactory(name="Ohio State University", short_name="OSU", city="Columbus")

    assert names(universities_list(search="bologna")) == ["Università di Bologna"]
    assert names(universities_list(search="COLUMBUS")) == ["Ohio State University"]
    assert names(universities_list(search="osu")) == ["Ohio State University"]
    assert len(universities_list(search="")) == 3


def test_it_filters_by_country_and_region():
    UniversityFactory(name="Berkeley", country="US", region="CA")
    UniversityFactory(name="Austin", country="US", region="TX")
    UniversityFactory(name="Padova", country="IT", region="Veneto")

    assert names(universities_list(country="IT")) == ["Padova"]
    assert names(universities_list(country="us", region="tx")) == ["Austin"]
    assert university_regions(country="US") == ["CA", "TX"]


def test_it_filters_by_size_band_including_mur_bands():
    UniversityFactory(name="Tiny", enrollment_total=900)
    UniversityFactory(name="Edge", enrollment_total=10_000)
    UniversityFactory(name="Mid", enrollment_total=19_999)
    UniversityFactory(name="Huge", enrollment_total=70_000)
    UniversityFactory(name="Bologna", country="IT", enrollment_total=None, enrollment_band="60.000 e oltre")

    assert names(universities_list(size_band="under-10k")) == ["Tiny"]
    assert names(universities_list(size_band="10k-20k")) == ["Edge", "Mid"]
    assert names(universities_list(size_band="60k-plus")) == ["Bologna", "Huge"]
    assert len(universities_list(size_band="not-a-band")) == 5


def test_it_filters_on_reported_incidents(campus_with_figures):
    zero = UniversityFactory(name="Zero U")
    IncidentStatisticFactory(university=zero, count=0)
    UniversityFactory(name="No Data U")

    assert names(universities_list(has_incidents="yes")) == ["Figures U"]
    assert names(universities_list(has_incidents="no")) == ["No Data U", "Zero U"]


def test_it_sorts_by_enrollment_and_rate_with_missing_figures_last(campus_with_figures):
    higher_rate = UniversityFactory(name="A Small College", enrollment_total=1_000)
    IncidentStatisticFactory(university=higher_rate, count=2)  # 20 per 10,000
    UniversityFactory(name="B Unknown", enrollment_total=None)

    assert names(universities_list(sort="-incidents_per_10k")) == [
        "A Small College",
        "Figures U",
        "B Unknown",
    ]
    assert names(universities_list(sort="incidents_per_10k")) == ["Figures U", "A Small College", "B Unknown"]
    assert names(universities_list(sort="-enrollment")) == ["Figures U", "A Small College", "B Unknown"]
    assert names(universities_list(sort="enrollment")) == ["A Small College", "Figures U", "B Unknown"]
    assert names(universities_list(sort="nonsense")) == ["A Small College", "B Unknown", "Figures U"]


def test_it_lays_out_a_campus_incident_table_by_place_year_and_offence(campus_with_figures):
    table = university_incident_table(university=university_get(pk=campus_with_figures.pk))

    assert table["years"] == [2022, 2021, 2020, 2019]
    (on_campus_label, on_campus), (housing_label, housing) = table["locations"]
    assert on_campus_label == "On campus"
    assert dict(on_campus)["Rape"] == [3, None, None, 10]
    assert dict(housing)["Rape"] == [2, None, None, None]
    assert table["sources"] == ["Clery Act Campus Safety and Security Survey"]
