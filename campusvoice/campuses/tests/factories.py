import factory

from campusvoice.campuses.models import (
    CampusGroup,
    Contact,
    IncidentStatistic,
    Shortlist,
    ShortlistEntry,
    StudentNewspaper,
    SupportResource,
    University,
)


class UniversityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = University

    name = factory.Sequence(lambda n: f"University {n:03d}")
    country = "US"
    region = "CA"
    city = "Springfield"
    enrollment_total = 10_000
    enrollment_year = 2022
    enrollment_source = "IPEDS 2022"


class IncidentStatisticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentStatistic

    university = factory.SubFactory(UniversityFactory)
    year = 2022
    category = IncidentStatistic.Category.RAPE
    location = IncidentStatistic.Location.ON_CAMPUS
    count = 1
    source = "Clery Act Campus Safety and Security Survey"


class CampusGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampusGroup

    university = factory.SubFactory(UniversityFactory)
    name = factory.Sequence(lambda n: f"Students Against Violence {n}")
    kind = CampusGroup.Kind.SURVIVOR_SUPPORT


class StudentNewspaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentNewspaper

    university = factory.SubFactory(UniversityFactory)
    name = factory.Sequence(lambda n: f"The Daily {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    university = factory.SubFactory(UniversityFactory)
    name = factory.Sequence(lambda n: f"Dana Dean {n}")
    role = Contact.Role.DEAN_OF_STUDENTS
    email = factory.Sequence(lambda n: f"dean{n}@campus.example.edu")
    phone = factory.Sequence(lambda n: f"+1 555 010 {n:04d}")
    basis = Contact.Basis.PUBLIC_ROLE


class SupportResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportResource

    country = "US"
    kind = SupportResource.Kind.HOTLINE
    name = factory.Sequence(lambda n: f"Helpline {n}")
    phone = "800 656 4673"


class ShortlistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shortlist

    name = factory.Sequence(lambda n: f"Autumn campaign {n}")


class ShortlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShortlistEntry

    shortlist = factory.SubFactory(ShortlistFactory)
    university = factory.SubFactory(UniversityFactory)
    position = factory.Sequence(lambda n: n + 1)
