"""The hostile-text corpus and a checker that says whether a page or an e-mail kept it inert.

The corpus is the inbox's (conversations/tests/test_browser_inbox.py): script and event-handler
injections, javascript: URLs, external resources, htmx attributes, Django template syntax, bidi
overrides and zero-width characters. Each would set `window.__pwned`, open a dialog or fetch from
evil.example if a page ever obeyed it.
"""

import re

import lxml.html
from django.conf import settings

from campusvoice.conversations.tests.test_browser_inbox import XSS_PAYLOADS

# Long text fields take every payload; name fields take the ones that fit.
TEXT_PAYLOADS = [p.replace("\x00", "") for p in XSS_PAYLOADS if len(p) < 1000]
NAME_PAYLOADS = [p for p in TEXT_PAYLOADS if len(p) <= 90]
MARKUP_PAYLOADS = [p for p in TEXT_PAYLOADS if "<" in p]
LOCAL_LINK_FILES = [
    '<link rel="attachment" href="file:///etc/passwd">',
    '<img src="file:///etc/hostname">',
    "<style>@import url(file:///etc/passwd);</style>",
]
RESOURCE_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "poster", "background")
_CONTROL = re.compile(r"[\x00-\x20]")


def fit(text: str, length: int) -> str:
    return text[:length]


def hostile_markup(html: str) -> list[str]:
    """What in this HTML came from the corpus as markup rather than as text; [] when inert."""
    found = []
    if settings.SECRET_KEY in html:
        found.append("the SECRET_KEY is on the page")
    # Django escapes every "<" of a value: a payload found verbatim was put on the page as markup.
    found += [f"unescaped: {payload[:40]!r}" for payload in MARKUP_PAYLOADS if payload in html]
    document = lxml.html.document_fromstring(html or "<p></p>")
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "script":
            if not element.get("nonce") and not (element.get("src") or "").startswith("/static/"):
                found.append(f"a script without our nonce: {lxml.html.tostring(element)[:80]!r}")
            if "__pwned" in (element.text or "") or "alert(" in (element.text or ""):
                found.append("a payload inside a script")
        if tag in ("iframe", "frame", "frameset", "object", "embed", "base", "applet", "marquee"):
            found.append(f"a <{tag}> element")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            found.append("a meta refresh")
        if tag == "style" and "evil.example" in (element.text or ""):
            found.append("a style sheet from the corpus")
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith(("on", "hx-on", "data-hx-on")):
                found.append(f"<{tag} {name}=…>")
            # Text in an attribute (an input's value, an aria-label) is harmless; a URL is not.
            if not (
                lowered in RESOURCE_ATTRIBUTES or lowered.startswith(("hx-", "data-hx-", "style", "srcset"))
            ):
                continue
            squeezed = _CONTROL.sub("", value).lower()
            if squeezed.startswith(("javascript:", "vbscript:", "data:text/html", "file:")) or (
                "evil.example" in squeezed
            ):
                found.append(f"<{tag} {name}={value[:40]!r}>")
    return found
