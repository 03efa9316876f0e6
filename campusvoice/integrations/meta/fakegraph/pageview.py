"""`GET /__fake__/page`: what "Facebook" now shows, so a person can see the inbox's actions land.

A read-only HTML view of the fake's Pages: every post with its comments, which are hidden or
deleted, and the replies the Page itself wrote (the app's replies from the inbox). It reloads
itself every few seconds. Nothing here is the app's UI: it stands in for facebook.com.
"""

from datetime import UTC, datetime
from html import escape

from .state import FakeState

REFRESH_SECONDS = 5

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1rem;color:#1c1e21;background:#f0f2f5}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin:0 0 .4rem}
.post{background:#fff;border-radius:8px;padding:.8rem 1rem;margin:0 0 1rem;box-shadow:0 1px 2px #0002}
.meta{color:#65676b;font-size:.85rem}
ul{list-style:none;padding-left:0;margin:.4rem 0 0}ul ul{padding-left:1.6rem}
li{margin:.35rem 0}.c{background:#f0f2f5;border-radius:14px;padding:.35rem .7rem;display:inline-block;max-width:100%}
.page .c{background:#e7f3ff}.hidden .c{opacity:.55;border:1px dashed #65676b}.deleted .c{text-decoration:line-through;opacity:.45}
.tag{font-size:.75rem;font-weight:600;border-radius:4px;padding:0 .3rem;margin-left:.3rem}
.tag-page{background:#1877f2;color:#fff}.tag-hidden{background:#65676b;color:#fff}.tag-deleted{background:#c62828;color:#fff}
"""


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _comment(item: dict, *, page_id: str, text_key: str, time_key: str, hidden_key: str, children) -> str:
    author = item.get("from") or {}
    is_page = str(author.get("id", "")) == page_id
    classes = ["page" if is_page else "", "hidden" if item.get(hidden_key) else "", ""]
    tags = ""
    if is_page:
        tags += '<span class="tag tag-page">Page reply</span>'
    if item.get(hidden_key):
        tags += '<span class="tag tag-hidden">hidden</span>'
    if item.get("deleted"):
        classes[2] = "deleted"
        tags += '<span class="tag tag-deleted">deleted</span>'
    name = author.get("name") or author.get("username") or "(no name)"
    html = (
        f'<li class="{" ".join(c for c in classes if c)}" id="c{escape(item["id"])}">'
        f'<div class="c"><strong>{escape(str(name))}</strong>{tags}<br>{escape(item.get(text_key) or "")}</div>'
        f' <span class="meta">{_when(item[time_key])} · {escape(item["id"])}</span>'
    )
    if children:
        html += "<ul>" + "".join(children) + "</ul>"
    return html + "</li>"


def _thread(comments: list[dict], *, owner_id: str, keys: dict) -> str:
    """Top-level comments with their replies (Facebook and Instagram are two levels deep)."""
    items = []
    for top in (c for c in comments if not c["parent_id"]):
        replies = [
            _comment(r, page_id=owner_id, children=[], **keys)
            for r in comments
            if r["parent_id"] == top["id"]
        ]
        items.append(_comment(top, page_id=owner_id, children=replies, **keys))
    return "".join(items)


FACEBOOK_KEYS = {"text_key": "message", "time_key": "created_time", "hidden_key": "is_hidden"}
INSTAGRAM_KEYS = {"text_key": "text", "time_key": "timestamp", "hidden_key": "hidden"}


def page_view_html(state: FakeState) -> str:
    with state.lock:
        sections = []
        for page in state.pages.values():
            posts = sorted(
                (p for p in state.posts.values() if p["page_id"] == page["id"]),
                key=lambda p: p["created_time"],
                reverse=True,
            )
            for post in posts:
                comments = sorted(
                    (c for c in state.comments.values() if c["post_id"] == post["id"]),
                    key=lambda c: (c["created_time"], c["id"]),
                )
                kind = " · ad post" if post["kind"] == "ad" else ""
                gone = " · deleted" if post["deleted"] else ""
                sections.append(
                    f'<section class="post"><h2>{escape(post["message"])}</h2>'
                    f'<div class="meta">{escape(page["name"])} · {_when(post["created_time"])}{kind}{gone} · '
                    f"{escape(post['id'])} · {len(comments)} comments</div>"
                    f"<ul>{_thread(comments, owner_id=page['id'], keys=FACEBOOK_KEYS)}</ul></section>"
                )
            ig_id = page.get("ig") or ""
            username = state.ig_users.get(ig_id, {}).get("username", "")
            for media in sorted(
                (m for m in state.ig_media.values() if m["ig_user_id"] == ig_id),
                key=lambda m: m["timestamp"],
                reverse=True,
            ):
                comments = sorted(
                    (c for c in state.ig_comments.values() if c["media_id"] == media["id"]),
                    key=lambda c: (c["timestamp"], c["id"]),
                )
                sections.append(
                    f'<section class="post"><h2>{escape(media["caption"])}</h2>'
                    f'<div class="meta">Instagram @{escape(username)} · {_when(media["timestamp"])} · '
                    f"{escape(media['id'])} · {len(comments)} comments</div>"
                    f"<ul>{_thread(comments, owner_id=ig_id, keys=INSTAGRAM_KEYS)}</ul></section>"
                )
        names = ", ".join(escape(p["name"]) for p in state.pages.values())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f"<title>Fake Facebook: {names}</title><style>{STYLE}</style></head><body>"
        f"<h1>Fake Facebook: {names}</h1>"
        '<p class="meta">What the fake Graph API holds now, as facebook.com would show it; it reloads '
        f"every {REFRESH_SECONDS} s. Blue comments are the Page's own replies (sent from the inbox); "
        "hidden ones are greyed and dashed.</p>" + "".join(sections) + "</body></html>"
    )
