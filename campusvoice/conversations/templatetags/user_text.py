"""Short text that people typed (names of people, campuses, groups, tags, campaigns), shown isolated.

The inbox's `inert` rules apply: escaped, and every bidi control or zero-width character shown as a
visible [U+XXXX] marker; around that, a <bdi> keeps a right-to-left name from reordering the words
next to it. The stored text is never changed.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from campusvoice.conversations.templatetags.inbox_text import inert, plain

register = template.Library()


@register.filter
def isolated(value) -> SafeString | str:
    """The text in its own <bdi>, controls made visible; "" for no text, so `default` still works."""
    if value is None or str(value) == "":
        return ""
    return format_html("<bdi>{}</bdi>", inert(value))


# For the tab title, <option>s and attributes, where no markup can go: the controls are dropped.
register.filter("plain", plain)
# A story's long text, shown as the inbox shows a comment's.
register.filter("inert", inert)
