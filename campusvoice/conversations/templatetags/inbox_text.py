"""Show text that strangers wrote, inert: escaped, never linked, controls made visible, long text clamped."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

# Bidi embeddings, overrides and isolates, zero-width spaces and joiners, LRM/RLM, BOM: they can
# reverse how the rest of the page reads or hide words from a moderator.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
PREVIEW_CHARS = 600


def _visible(escaped: str) -> str:
    return INVISIBLE.sub(
        lambda m: f'<span class="ctrl-char" title="U+{ord(m.group()):04X}">[U+{ord(m.group()):04X}]</span>',
        escaped,
    )


@register.filter
def inert(value) -> SafeString:
    """Escaped text with every invisible control shown as a visible [U+XXXX] marker."""
    return mark_safe(_visible(escape(str(value or ""))))  # noqa: S308 - escaped above


@register.filter
def plain(value) -> str:
    """The text with invisible controls removed, for attributes such as a title."""
    return INVISIBLE.sub("", str(value or ""))


@register.simple_tag
def comment_body(text: str, preview: int = PREVIEW_CHARS) -> SafeString:
    """A comment's text in an isolated, auto-direction block; past `preview` characters, the
    rest waits behind "show more" (rendered on the server, so it works without JavaScript)."""
    text = str(text or "")
    if len(text) <= preview:
        return format_html('<div class="comment-text" dir="auto">{}</div>', inert(text))
    return format_html(
        '<div class="comment-text" dir="auto">{}…</div>'
        '<details class="comment-more"><summary>{}</summary><div class="comment-text" dir="auto">{}</div></details>',
        inert(text[:preview]),
        _("Show all %(n)s characters") % {"n": f"{len(text):,}"},
        inert(text),
    )


@register.filter
def duration_short(value) -> str:
    """A timedelta as "2 d 3 h", "1 h 20 min" or "45 min"; a dash for none."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}
