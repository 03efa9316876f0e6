"""The letter sandbox: organisers' templates rendered with a Django `Engine` that can do very little.

No loaders (so no {% include %} or {% extends %}), no {% load %}, no {% debug %}, a short list of
tags and filters, and a context of plain values only (read-only mappings, tuples, strings and
numbers), so a template can reach nothing but the figures we chose to give it. Django already
refuses names that start with an underscore (`{{ campus.__class__ }}`). A variable that does not
exist raises MissingVariable instead of printing blank text.
"""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.utils import formats

register = Library()

ALLOWED_TAGS = ("if", "for", "with", "comment", "firstof", "spaceless", "verbatim", "templatetag")
ALLOWED_FILTERS = (
    "add",
    "capfirst",
    "cut",
    "date",
    "default",
    "default_if_none",
    "first",
    "floatformat",
    "join",
    "last",
    "length",
    "lower",
    "pluralize",
    "title",
    "truncatewords",
    "upper",
    "wordwrap",
    "yesno",
)
for _name in ALLOWED_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]


class Count(int):
    """A count of people or events, printed with the thousands separator of the language the
    letter is rendered in (87,654 in English, 87.654 in Italian). Still an int, so templates can
    compare and add it; years stay plain ints (no "2.023")."""

    def __str__(self) -> str:
        return formats.number_format(int(self), force_grouping=True)


class MissingVariable(Exception):
    def __init__(self, variable: str):
        super().__init__(variable)
        self.variable = variable


class _Strict(str):
    """`string_if_invalid` that raises: Django formats it with the variable's name when one is missing."""

    def __mod__(self, variable):
        raise MissingVariable(str(variable))


class _SandboxEngine(Engine):
    # Engine normally adds defaulttags, defaultfilters and loader_tags to every template.
    default_builtins: list[str] = []


ENGINE = _SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    builtins=["campusvoice.outreach.rendering"],
    autoescape=False,  # plain text: the PDF and e-mail outputs escape it themselves
    string_if_invalid=_Strict("%s"),
    debug=False,
)


def freeze(value):
    """A read-only copy made of plain values: mappings, tuples, strings, numbers, dates, None."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if value is None or isinstance(value, str | bool | int | float | Decimal | date | datetime):
        return value
    raise TypeError(f"Letter context values must be plain data, not {type(value).__name__}.")


def compile_template(source: str):
    """Compile a template; raises TemplateSyntaxError for refused tags and bad syntax."""
    return ENGINE.from_string(source)


def render(source: str, context: Mapping) -> str:
    """Render `source` with `context`; raises MissingVariable or TemplateSyntaxError."""
    template = compile_template(source)
    return template.render(Context(dict(freeze(context)), autoescape=False))


__all__ = ["Count", "MissingVariable", "TemplateSyntaxError", "compile_template", "freeze", "render"]
