"""Short text that people typed (names of people, campuses, groups, tags, campaigns), shown isolated.

The inbox's `inert` rules apply: escaped, and every bidi control or zero-width character shown as a
visible [U+XXXX] marker; around that, a <bdi> keeps a right-to-left name from reordering the words
next to it. The stored text is never changed.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from campusvoice.conversations.templatetags.inbox_text import INVISIBLE, inert, plain

register = template.Library()


@register.filter
def isolated(value) -> SafeString | str:
    """The text in its own <bdi>, controls made visible; "" for no text, so `default` still works."""
    if value is None or str(value) == "":
        return ""
    return format_html("<bdi>{}</bdi>", inert(value))


@register.filter
def marked(value) -> str:
    """For a select's <option>, where no markup (no <bdi>, no <span>) can go: each control as a
    visible [U+XXXX] in plain text, which the page then escapes. An option is a line of its own,
    so once its controls are shown rather than obeyed it cannot reorder anything else.

    Every select of every form gets this from the widget templates in campusvoice/templates/django/.
    """
    return INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", str(value or ""))


# For the tab title and attributes, where no markup can go and no marker is wanted: controls dropped.
register.filter("plain", plain)
# A story's long text, shown as the inbox shows a comment's.
register.filter("inert", inert)
