"""Sandboxed rendering of content templates: one campus's facts in, plain text out.

Organisers write `{{ campus.name }}` and `{% if newspaper.name %}…{% endif %}`; nothing else
reaches the template. The engine has no loaders, so `{% include %}` and `{% extends %}` have
nothing to load; the tags are checked against an allow-list before compiling (no `{% load %}`,
no `{% debug %}`); every dotted lookup must be a known field of a known variable, and the context
holds only dicts, lists and strings, so no model, setting or method is in reach. A variable that
is missing for a campus raises `TemplateRenderError` naming it, never renders as blank text.
"""

import re
from dataclasses import dataclass

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.translation import gettext as _
from django.utils.translation import override

# What a template may use: top-level names, and for dicts the keys a dotted lookup may reach.
VARIABLES: dict[str, frozenset[str] | None] = {
    "campus": frozenset({"name", "short_name", "city"}),
    "newspaper": frozenset({"name"}),
    "campaign": frozenset({"name"}),
    "groups": None,  # list of names
    "incidents": None,  # list of sentences with year and source
    "incident": None,  # the headline figure: the most recent, as a sentence
    "support_resources": None,  # ready-made lines
    "petition_url": None,
    "link": None,  # the item's tracking link
}
ALLOWED_TAGS = frozenset(
    {"if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "firstof", "comment"}
    | {"endcomment"}
)
_STRING_LITERAL = re.compile(r"\"[^\"]*\"|'[^']*'")
_DOTTED = re.compile(r"\b([A-Za-z_]\w*)((?:\.\w+)+)")


class TemplateRenderError(Exception):
    """The template cannot be rendered (for this campus); the message says why, for an organiser."""

    def __init__(self, message: str, *, variable: str = ""):
        super().__init__(message)
        self.message = message
        self.variable = variable


class _MissingVariable(Exception):
    def __init__(self, variable: str):
        super().__init__(variable)
        self.variable = variable


class _RaiseOnInvalid(str):
    """`string_if_invalid` that raises instead of rendering blank text.

    Django formats it with `% var` when it contains "%s"; that is where the name is known.
    """

    def __contains__(self, item) -> bool:
        return True

    def __mod__(self, variable):
        raise _MissingVariable(str(variable))


ENGINE = Engine(loaders=[], autoescape=False, string_if_invalid=_RaiseOnInvalid("%s"), debug=False)


def template_check(body: str) -> None:
    """Refuse tags and lookups outside the allow-list; raises TemplateRenderError."""
    for token in Lexer(body).tokenize():
        if token.token_type == TokenType.BLOCK:
            tag = token.contents.split()[0] if token.contents.split() else ""
            if tag not in ALLOWED_TAGS:
                raise TemplateRenderError(_("The tag {%% %(tag)s %%} is not allowed here.") % {"tag": tag})
        if token.token_type in (TokenType.BLOCK, TokenType.VAR):
            code = _STRING_LITERAL.sub('""', token.contents)
            if "_" in code and re.search(r"(^|[^\w])_|\._", code):
                raise TemplateRenderError(_("Names starting with an underscore are not allowed."))
            for name, lookups in _DOTTED.findall(code):
                keys = VARIABLES.get(name)
                first = lookups.split(".")[1]
                if name not in VARIABLES or (keys is None and not first.isdigit()):
                    raise TemplateRenderError(
                        _("%(variable)s is not a variable you can use.") % {"variable": name + lookups},
                        variable=name + lookups,
                    )
                if keys is not None and (first not in keys or lookups.count(".") > 1):
                    raise TemplateRenderError(
                        _("%(variable)s is not a variable you can use.") % {"variable": name + lookups},
                        variable=name + lookups,
                    )


def template_compile(body: str):
    template_check(body)
    try:
        return ENGINE.from_string(body)
    except TemplateSyntaxError as exc:
        raise TemplateRenderError(_("The template has an error: %(error)s") % {"error": exc}) from exc


@dataclass
class Rendered:
    text: str = ""
    error: str = ""
    variable: str = ""


def text_render(*, body: str, context: dict, campus_name: str, language: str = "en") -> str:
    """Render `body` with the campus's plain-data context; raises TemplateRenderError naming the
    missing variable and the campus."""
    template = template_compile(body)
    try:
        with override(language):
            return template.render(Context(context, autoescape=False)).strip()
    except _MissingVariable as exc:
        raise TemplateRenderError(
            _("%(variable)s has no value for %(campus)s.")
            % {"variable": exc.variable, "campus": campus_name},
            variable=exc.variable,
        ) from None
