import pytest

from campusvoice.campaigns import selectors
from campusvoice.campaigns.rendering import TemplateRenderError, text_render
from campusvoice.campaigns.tests.factories import CampaignFactory
from campusvoice.campuses.tests import factories as cf

pytestmark = pytest.mark.django_db


def _context(**campus):
    university = cf.UniversityFactory(name="Università di Prova", city="Bologna", **campus)
    return university, selectors.campus_context(
        university=university, campaign=CampaignFactory(name="Consent 2026"), language="en"
    )


def test_it_renders_the_campus_facts_as_plain_text():
    university, context = _context(short_name="UniPro")
    cf.IncidentStatisticFactory(
        university=university, year=2022, count=12, source="Clery Act, US Dept. of Education"
    )
    cf.StudentNewspaperFactory(university=university, name="The Daily <Bugle>")
    cf.CampusGroupFactory(university=university, name="Consent Crew")
    context = selectors.campus_context(university=university, campaign=CampaignFactory(), language="en")

    text = text_render(
        body="{{ campus.short_name }} in {{ campus.city }}: {{ incident }}. Read {{ newspaper.name }}."
        "{% for g in groups %} Join {{ g }}.{% endfor %}",
        context=context,
        campus_name=university.name,
    )

    assert text == (
        "UniPro in Bologna: 12 reported incidents of rape on campus in 2022 (Clery Act, US Dept. of Education). "
        "Read The Daily <Bugle>. Join Consent Crew."
    )


def test_it_names_the_missing_variable_and_the_campus():
    university, context = _context()

    with pytest.raises(TemplateRenderError) as error:
        text_render(body="Hello {{ newspaper.name }}!", context=context, campus_name=university.name)

    assert "newspaper.name" in error.value.message
    assert "Università di Prova" in error.value.message


def test_a_missing_variable_inside_a_filter_is_still_an_error():
    university, context = _context()

    with pytest.raises(TemplateRenderError):
        text_render(body="{{ campus.short_name|upper }}", context=context, campus_name=university.name)


def test_if_lets_a_template_skip_what_a_campus_lacks():
    university, context = _context()

    text = text_render(
        body="{% if newspaper.name %}Read {{ newspaper.name }}.{% else %}No paper.{% endif %}",
        context=context,
        campus_name=university.name,
    )

    assert text == "No paper."


@pytest.mark.parametrize(
    "payload",
    [
        "{{ settings.SECRET_KEY }}",
        "{% load log %}{% get_admin_log 10 as log %}",
        "{{ campus.__class__ }}",
        "{{ campus.items }}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
        "{% now 'Y' %}",
        "{{ campus.name|default:settings.SECRET_KEY }}",
        "{{ groups.__len__ }}",
        "{% with x=campus %}{{ x.name }}{% endwith %}",
        "{{ _private }}",
        "{% csrf_token %}",
    ],
)
def test_it_refuses_template_injection(payload):
    university, context = _context()

    with pytest.raises(TemplateRenderError):
        text_render(body=payload, context=context, campus_name=university.name)


def test_the_context_holds_only_plain_data():
    university, context = _context()

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, str)

    assert plain(context)
