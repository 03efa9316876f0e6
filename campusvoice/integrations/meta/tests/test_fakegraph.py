"""The fake Graph API against the real `facebook_business` SDK: if the SDK reads it, so can we.

These tests import the SDK on purpose (the app itself imports it only in client.py): the SDK is
the reference client that tells us the fake's shapes and wire format are right.
"""

import hashlib
import hmac
import json
import re

import pytest
import requests
from django.conf import settings
from facebook_business.adobjects.comment import Comment as SdkComment
from facebook_business.adobjects.page import Page as SdkPage
from facebook_business.adobjects.pagepost import PagePost as SdkPagePost
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError

from campusvoice.integrations.meta.fakegraph import DEMO_EXPIRED_TOKEN, DEMO_PAGE_ID, DEMO_PAGE_TOKEN
from campusvoice.integrations.meta.fakegraph.fields import parse_fields

GRAPH_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$"


def sdk(fake_graph, token=DEMO_PAGE_TOKEN, secret=None):
    api = FacebookAdsApi.init(
        app_id=settings.CAMPUSVOICE_META_APP_ID,
        app_secret=secret or settings.CAMPUSVOICE_META_APP_SECRET,
        access_token=token,
        api_version="v26.0",
        crash_log=False,
        timeout=10,
    )
    api._session.GRAPH = fake_graph.url
    return api


def raw(fake_graph, method, path, token=DEMO_PAGE_TOKEN, **params):
    proof = hmac.new(
        settings.CAMPUSVOICE_META_APP_SECRET.encode(), token.encode(), hashlib.sha256
    ).hexdigest()
    query = {"access_token": token, "appsecret_proof": proof}
    if method in ("GET", "DELETE"):
        return requests.request(method, f"{fake_graph.url}{path}", params=query | params, timeout=10)
    return requests.request(method, f"{fake_graph.url}{path}", params=query, data=params, timeout=10)


def test_it_pages_published_posts_through_the_sdk_cursor(fake_graph):
    fake_graph.add_posts(5)
    api = sdk(fake_graph)

    cursor = SdkPage(DEMO_PAGE_ID, api=api).get_published_posts(
        fields=["id", "message", "created_time"], params={"limit": 2}
    )
    posts = list(cursor)

    assert len(posts) == 5
    assert len({p["id"] for p in posts}) == 5
    assert all(p["id"].startswith(f"{DEMO_PAGE_ID}_") for p in posts)
    assert cursor.total() == 5  # summary=true, which the SDK adds by default
    assert fake_graph.snapshot()["calls"] == 3  # 2 + 2 + 1: no call after the page without `next`


def test_it_answers_json_with_usage_headers_on_every_response(fake_graph):
    ok = raw(fake_graph, "GET", f"/v26.0/{DEMO_PAGE_ID}")
    error = raw(fake_graph, "GET", "/v26.0/does-not-exist")
    ads = raw(fake_graph, "GET", "/v26.0/act_1234/whatever")

    for response in (ok, error, ads):
        assert response.headers["Content-Type"].startswith("application/json")
        assert set(json.loads(response.headers["X-App-Usage"])) == {
            "call_count",
            "total_cputime",
            "total_time",
        }
    assert DEMO_PAGE_ID in json.loads(ok.headers["X-Business-Use-Case-Usage"])
    assert "acc_id_util_pct" in json.loads(ads.headers["X-Ad-Account-Usage"])
    assert "X-Ad-Account-Usage" not in ok.headers


def test_it_accepts_any_version_and_a_trailing_slash(fake_graph):
    for path in (f"/v26.0/{DEMO_PAGE_ID}/", f"/v25.0/{DEMO_PAGE_ID}", f"/{DEMO_PAGE_ID}"):
        assert raw(fake_graph, "GET", path).json() == {"id": DEMO_PAGE_ID, "name": "Campus Voice Sandbox"}


def test_it_checks_the_appsecret_proof_and_the_token(fake_graph):
    wrong_proof = sdk(fake_graph, secret="another-secret")
    with pytest.raises(FacebookRequestError) as proof_error:
        wrong_proof.call("GET", (DEMO_PAGE_ID,))
    with pytest.raises(FacebookRequestError) as unknown:
        sdk(fake_graph, token="not-a-token").call("GET", (DEMO_PAGE_ID,))
    with pytest.raises(FacebookRequestError) as expired:
        sdk(fake_graph, token=DEMO_EXPIRED_TOKEN).call("GET", (DEMO_PAGE_ID,))

    assert proof_error.value.api_error_code() == 100
    assert "appsecret_proof" in proof_error.value.api_error_message()
    assert unknown.value.api_error_code() == 190
    assert (expired.value.api_error_code(), expired.value.api_error_subcode()) == (190, 463)


def test_it_expands_comments_inside_posts_in_one_call(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 3)
    api = sdk(fake_graph)

    body = api.call(
        "GET",
        (DEMO_PAGE_ID, "published_posts"),
        params={"fields": "id,message,comments.limit(2).summary(true){id,message,from{id}}"},
    ).json()

    comments = body["data"][0]["comments"]
    assert [set(c) for c in comments["data"]] == [{"id", "message", "from"}] * 2
    assert set(comments["data"][0]["from"]) == {"id"}
    assert comments["summary"]["total_count"] == 3
    assert "next" in comments["paging"]
    assert fake_graph.snapshot()["calls"] == 1


def test_it_separates_top_level_comments_from_the_stream(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    first, second = fake_graph.add_comments(post_id, 2)
    reply = fake_graph.add_comments(post_id, 1, comments=[{"message": "Anch'io", "parent_id": first}])[0]
    post = SdkPagePost(post_id, api=sdk(fake_graph))

    toplevel = [c["id"] for c in post.get_comments(fields=["id"], params={"filter": "toplevel"})]
    stream = list(post.get_comments(fields=["id", "parent", "created_time"], params={"filter": "stream"}))
    newest_first = [c["id"] for c in post.get_comments(params={"order": "reverse_chronological"})]

    assert toplevel == [first, second]
    assert [c["id"] for c in stream] == [first, second, reply]
    assert stream[2]["parent"]["id"] == first
    assert "parent" not in stream[0].export_all_data()
    assert newest_first == [second, first]
    assert re.match(GRAPH_TIME, stream[0]["created_time"])


def test_its_cursors_are_opaque_and_end_without_next(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 3)

    first = raw(fake_graph, "GET", f"/v26.0/{post_id}/comments", limit=2).json()
    last = raw(
        fake_graph, "GET", f"/v26.0/{post_id}/comments", limit=2, after=first["paging"]["cursors"]["after"]
    )
    beyond = raw(
        fake_graph, "GET", f"/v26.0/{post_id}/comments", after=last.json()["paging"]["cursors"]["after"]
    )

    assert "next" in first["paging"] and len(first["data"]) == 2
    assert len(last.json()["data"]) == 1 and "next" not in last.json()["paging"]
    assert beyond.json() == {"data": []}
    assert len(raw(fake_graph, "GET", f"/v26.0/{post_id}/comments", limit=500).json()["data"]) == 3


def test_it_hides_replies_and_deletes_through_the_sdk(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    comment_id = fake_graph.add_comments(post_id, 1)[0]
    comment = SdkComment(comment_id, api=sdk(fake_graph))

    comment.api_update(params={"is_hidden": True})
    reply = comment.create_comment(params={"message": "Grazie, ti scriviamo in privato."})
    hidden = raw(fake_graph, "GET", f"/v26.0/{comment_id}", fields="is_hidden").json()
    comment.api_delete()
    gone = raw(fake_graph, "GET", f"/v26.0/{comment_id}").json()

    state = fake_graph.snapshot()
    assert hidden == {"is_hidden": True}
    assert state["hidden"] == {comment_id: True}
    assert state["replies"] == [
        {"id": reply["id"], "parent": comment_id, "message": "Grazie, ti scriviamo in privato."}
    ]
    assert state["deleted"] == [comment_id]
    assert (gone["error"]["code"], gone["error"]["error_subcode"]) == (100, 33)


def test_it_publishes_to_the_feed_and_refuses_a_duplicate(fake_graph):
    api = sdk(fake_graph)

    post = SdkPage(DEMO_PAGE_ID, api=api).create_feed(params={"message": "Sei al sicuro?"})
    with pytest.raises(FacebookRequestError) as duplicate:
        SdkPage(DEMO_PAGE_ID, api=api).create_feed(params={"message": "Sei al sicuro?"})

    assert post["id"].startswith(f"{DEMO_PAGE_ID}_")
    assert duplicate.value.api_error_code() == 506


def test_it_reads_multipart_posts(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    proof = hmac.new(settings.CAMPUSVOICE_META_APP_SECRET.encode(), DEMO_PAGE_TOKEN.encode(), hashlib.sha256)
    response = requests.post(
        f"{fake_graph.url}/v26.0/{post_id}/comments",
        params={"access_token": DEMO_PAGE_TOKEN, "appsecret_proof": proof.hexdigest()},
        files={"message": (None, "Ciao")},
        timeout=10,
    )

    assert "id" in response.json()


def test_its_batches_answer_in_order_and_null_when_told(fake_graph):
    post_ids = fake_graph.add_posts(3)
    api = sdk(fake_graph)
    fake_graph.inject(kind="batch_null", entries=1)
    seen = []

    batch = api.new_batch()
    for post_id in post_ids:
        batch.add("GET", post_id, params={"fields": "id"}, success=lambda r: seen.append(r.json()["id"]))
    leftover = batch.execute()
    leftover.execute()

    assert seen == post_ids  # the null entry came back as a new batch and succeeded there
    assert fake_graph.snapshot()["calls"] == 2


def test_it_refuses_batches_over_fifty(fake_graph):
    api = sdk(fake_graph)
    batch = api.new_batch()
    for _n in range(51):
        batch.add("GET", DEMO_PAGE_ID)

    with pytest.raises(FacebookRequestError) as error:
        batch.execute()

    assert error.value.api_error_code() == 1
    assert "Maximum batch size is 50" in error.value.api_error_message()


@pytest.mark.parametrize(
    ("code", "subcode", "status"),
    [
        (4, None, 400),
        (17, 2446079, 400),
        (32, None, 400),
        (613, 1487742, 400),
        (80001, None, 400),
        (2, None, 500),
    ],
)
def test_it_injects_errors_with_real_codes(fake_graph, code, subcode, status):
    fake_graph.inject(code=code, count=1)

    response = raw(fake_graph, "GET", f"/v26.0/{DEMO_PAGE_ID}")

    error = response.json()["error"]
    assert response.status_code == status
    assert (error["code"], error.get("error_subcode")) == (code, subcode)
    assert error["message"].startswith(f"(#{code})") or code == 2
    if code == 80001:
        buc = json.loads(response.headers["X-Business-Use-Case-Usage"])[DEMO_PAGE_ID][0]
        assert (buc["call_count"], buc["estimated_time_to_regain_access"]) == (100, 3)
    assert raw(fake_graph, "GET", f"/v26.0/{DEMO_PAGE_ID}").status_code == 200  # count=1: used up


def test_it_can_return_empty_pages_that_carry_next_and_drop_from(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 2)
    fake_graph.inject(kind="empty_pages", count=1)
    fake_graph.inject(kind="missing_from", count=1)

    cursor = SdkPagePost(post_id, api=sdk(fake_graph)).get_comments(fields=["id", "from"])
    comments = list(cursor)

    assert len(comments) == 2
    assert "from" not in comments[0].export_all_data() and "from" in comments[1].export_all_data()
    assert fake_graph.snapshot()["calls"] == 2


def test_it_hides_from_without_a_page_token(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 1)
    fake_graph.add_token("user-token", kind="user")

    comments = raw(fake_graph, "GET", f"/v26.0/{post_id}/comments", token="user-token").json()["data"]

    assert "from" not in comments[0]


def test_it_answers_the_cursor_limit_error(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 3)
    fake_graph.inject(kind="cursor_limit")
    first = raw(fake_graph, "GET", f"/v26.0/{post_id}/comments", limit=1).json()

    error = raw(
        fake_graph, "GET", f"/v26.0/{post_id}/comments", after=first["paging"]["cursors"]["after"]
    ).json()

    assert error["error"]["message"].startswith("(#100) The After Cursor specified exceeds the max limit")


def test_it_allows_one_private_reply_per_comment_within_seven_days(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    fresh, old = fake_graph.add_comments(
        post_id, comments=[{"message": "Ho bisogno di aiuto"}, {"message": "old", "created_time": 1_000_000}]
    )

    def private_reply(comment_id):
        return raw(
            fake_graph,
            "POST",
            f"/v26.0/{DEMO_PAGE_ID}/messages",
            recipient=json.dumps({"comment_id": comment_id}),
            message=json.dumps({"text": "Ti scriviamo in privato"}),
        ).json()

    assert set(private_reply(fresh)) == {"recipient_id", "message_id"}
    assert private_reply(fresh)["error"]["code"] == 10
    assert private_reply(old)["error"]["code"] == 10


def test_it_refuses_writes_without_the_permission(fake_graph):
    post_id = fake_graph.add_posts(1)[0]
    comment_id = fake_graph.add_comments(post_id, 1)[0]
    fake_graph.add_token("read-only", scopes=["pages_read_engagement"])

    error = raw(fake_graph, "POST", f"/v26.0/{comment_id}/", token="read-only", is_hidden="true").json()[
        "error"
    ]

    assert error["code"] == 200


def test_it_serves_instagram_media_comments_replies_and_hide(fake_graph):
    from campusvoice.integrations.meta.fakegraph import DEMO_IG_USER_ID

    media_id = fake_graph.control("media", {"caption": "Campus walk"})["id"]
    comment_id = fake_graph.control("comments", {"media_id": media_id, "count": 1})["ids"][0]

    media = raw(
        fake_graph, "GET", f"/v26.0/{DEMO_IG_USER_ID}/media", fields="id,caption,comments{id,text,from}"
    )
    reply = raw(fake_graph, "POST", f"/v26.0/{comment_id}/replies", message="Grazie!").json()
    nested = raw(fake_graph, "POST", f"/v26.0/{reply['id']}/replies", message="No").json()
    hidden = raw(fake_graph, "POST", f"/v26.0/{comment_id}", hide="true").json()
    replies = raw(fake_graph, "GET", f"/v26.0/{comment_id}/replies", fields="id,text,username").json()

    item = media.json()["data"][0]
    assert item["comments"]["data"][0]["id"] == comment_id
    assert set(item["comments"]["data"][0]["from"]) == {"id", "username"}
    assert nested["error"]["code"] == 100  # replies only to top-level comments
    assert hidden == {"success": True}
    assert replies["data"][0] == {"id": reply["id"], "text": "Grazie!", "username": "campusvoice.sandbox"}


def test_it_parses_nested_field_expansions():
    specs = parse_fields("id,comments.limit(25).summary(true){id,message,from{id,name}},message")

    assert [s.name for s in specs] == ["id", "comments", "message"]
    assert specs[1].modifiers == {"limit": "25", "summary": "true"}
    assert [s.name for s in specs[1].subfields] == ["id", "message", "from"]
    assert [s.name for s in specs[1].subfields[2].subfields] == ["id", "name"]


def test_its_debug_token_reports_scopes_and_expiry(fake_graph):
    fake_graph.add_token("short", expires_at=1_900_000_000, scopes=["pages_show_list"])

    data = raw(fake_graph, "GET", "/v26.0/debug_token", input_token="short").json()["data"]

    assert (data["is_valid"], data["type"], data["expires_at"], data["scopes"]) == (
        True,
        "PAGE",
        1_900_000_000,
        ["pages_show_list"],
    )
