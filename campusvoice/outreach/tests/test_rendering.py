"""The letter sandbox: what a template may and may not do."""

import pytest

from campusvoice.outreach import rendering
from campusvoice.outreach.models import Letter
from campusvoice.outreach.services.letters import letter_render, letter_template_save
from campusvoice.outreach.tests.factories import LetterFactory, LetterTemplateFactory

CONTEXT = {"campus": {"name": "Alma Mater"}, "students": {"quotes": ["one", "two"]}}


def test_it_renders_plain_variables_loops_and_filters():
    text = rendering.render(
        "{{ campus.name|upper }}:{% for q in students.quotes %} [{{ q }}]{% endfor %}", CONTEXT
    )
    assert text == "ALMA MATER: [one] [two]"


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
        "{% url 'home' %}",
        "{% csrf_token %}",
        "{{ campus.name|safe }}",
        "{{ campus.__class__ }}",
        "{{ campus.name.__class__.__mro__ }}",
        "{{ _private }}",
    ],
)
def test_it_refuses_tags_filters_and_attributes_outside_the_sandbox(source):
    with pytest.raises(rendering.TemplateSyntaxError):
        rendering.render(source, CONTEXT)


@pytest.mark.parametrize(
    "source, variable",
    [
        ("{{ settings.SECRET_KEY }}", "settings.SECRET_KEY"),
        ("{{ request.user }}", "request.user"),
        ("{{ campus.nmae }}", "campus.nmae"),
        ("{{ students.quotes.pop }}", "students.quotes.pop"),
        ("{{ campus.clear }}", "campus.clear"),
    ],
)
def test_it_raises_on_a_missing_variable_instead_of_printing_nothing(source, variable):
    with pytest.raises(rendering.MissingVariable) as caught:
        rendering.render(source, CONTEXT)
    assert caught.value.variable == variable


def test_the_context_is_read_only():
    frozen = rendering.freeze({"a": [1, {"b": 2}]})
    with pytest.raises(TypeError):
        frozen["a"] = 3
    assert frozen["a"][1]["b"] == 2


def test_it_refuses_objects_in_the_context():
    with pytest.raises(TypeError):
        rendering.freeze({"user": object()})


@pytest.mark.django_db
def test_a_template_with_an_unknown_variable_is_not_saved():
    template = LetterTemplateFactory.build(body="Hello {{ settings.SECRET_KEY }}")
    with pytest.raises(Exception) as caught:
        letter_template_save(template=template, by=None)
    assert "settings.SECRET_KEY" in str(caught.value)
    assert template.pk is None


@pytest.mark.django_db
def test_a_letter_missing_a_figure_names_the_variable_and_the_recipient():
    template = LetterTemplateFactory(body="{{ reach.share_percent }}% of students saw it.")
    letter = LetterFactory(template=template)

    letter_render(letter=letter)

    assert letter.status == Letter.Status.ERROR
    assert "reach.share_percent" in letter.error
    assert letter.university.name in letter.error and "President" in letter.error
    assert "Jordan" not in letter.error  # by role and institution, not by the person's name
    assert letter.body == ""
