"""Our client over HTTP against the fake Graph API: dataclasses out, our exceptions, retries, usage."""

import pytest

from campusvoice.integrations.meta.client import (
    CommentRequest,
    MetaClient,
    MetaNotFound,
    MetaPermanentError,
    MetaPermissionError,
    MetaRateLimited,
    MetaTokenError,
    MetaTransientError,
    _Call,
)
from campusvoice.integrations.meta.fakegraph import (
    DEMO_EXPIRED_TOKEN,
    DEMO_IG_USER_ID,
    DEMO_PAGE_ID,
    DEMO_PAGE_TOKEN,
)


@pytest.fixture
def client(fake_graph, sleeps):
    return MetaClient(access_token=DEMO_PAGE_TOKEN, sleep=sleeps.append)


def test_it_reads_the_page_behind_a_token_and_its_permissions(client):
    page = client.me()
    info = client.debug_token(DEMO_PAGE_TOKEN)

    assert (page.id, page.name, page.instagram_account_id) == (
        DEMO_PAGE_ID,
        "Campus Voice Sandbox",
        DEMO_IG_USER_ID,
    )
    assert info.is_valid and info.type == "PAGE" and info.expires_at is None
    assert "pages_manage_engagement" in info.scopes


@pytest.mark.parametrize(
    ("code", "subcode", "exception"),
    [
        (4, None, MetaRateLimited),
        (17, 2446079, MetaRateLimited),
        (32, None, MetaRateLimited),
        (613, 1487742, MetaRateLimited),
        (80001, None, MetaRateLimited),
        (80004, None, MetaRateLimited),
        (190, 463, MetaTokenError),
        (200, None, MetaPermissionError),
        (10, None, MetaPermissionError),
        (100, None, MetaPermanentError),
        (2, None, MetaTransientError),
        (1, None, MetaTransientError),
    ],
)
def test_it_maps_each_meta_error_code_to_our_exception(
    fake_graph, client, settings, code, subcode, exception
):
    settings.CAMPUSVOICE_META_RETRY_ATTEMPTS = 1
    fake_graph.inject(code=code, count=1)

    with pytest.raises(exception) as error:
        client.me()

    assert (error.value.code, error.value.subcode) == (code, subcode)
    assert DEMO_PAGE_TOKEN not in str(error.value)


def test_it_maps_a_missing_object_and_the_cursor_limit(fake_graph, client):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 3)
    fake_graph.inject(kind="cursor_limit")

    with pytest.raises(MetaNotFound):
        client.delete("123_456")
    with pytest.raises(MetaPermanentError, match="After Cursor"):
        client.call("GET", f"{post_id}/comments", {"limit": 1, "after": "MTox"})


def test_an_expired_token_is_a_token_error(fake_graph, sleeps):
    with pytest.raises(MetaTokenError) as error:
        MetaClient(access_token=DEMO_EXPIRED_TOKEN, sleep=sleeps.append).me()

    assert (error.value.code, error.value.subcode) == (190, 463)
    assert fake_graph.snapshot()["calls"] == 1  # never retried
    assert sleeps == []


def test_it_waits_for_the_page_to_regain_access_then_retries(fake_graph, client, sleeps):
    fake_graph.inject(code=80001, count=2)

    page = client.me()

    assert page.id == DEMO_PAGE_ID
    # estimated_time_to_regain_access: 3 minutes, plus up to a second of jitter.
    assert len(sleeps) == 2 and all(180 <= s <= 181 for s in sleeps)
    assert fake_graph.snapshot()["calls"] == 3


def test_it_backs_off_exponentially_on_transient_errors(fake_graph, client, sleeps, settings):
    settings.CAMPUSVOICE_META_RETRY_WAIT_SECONDS = 10
    fake_graph.inject(code=2, count=3)

    client.me()

    assert len(sleeps) == 3
    assert 10 <= sleeps[0] <= 15 and 20 <= sleeps[1] <= 30 and 40 <= sleeps[2] <= 60


def test_it_gives_up_after_a_bounded_number_of_attempts(fake_graph, client, sleeps, settings):
    settings.CAMPUSVOICE_META_RETRY_ATTEMPTS = 3
    fake_graph.inject(code=2, count=10)

    with pytest.raises(MetaTransientError):
        client.me()

    assert fake_graph.snapshot()["calls"] == 3


def test_a_long_block_goes_back_to_the_caller_without_waiting(fake_graph, client, sleeps, settings):
    settings.CAMPUSVOICE_META_RETRY_MAX_WAIT_SECONDS = 60
    fake_graph.inject(code=80001, count=1)

    with pytest.raises(MetaRateLimited) as error:
        client.me()

    assert error.value.retry_after == 180
    assert sleeps == []


def test_it_stops_before_meta_blocks_when_usage_is_high(fake_graph, client, sleeps):
    fake_graph.usage(buc={"call_count": 96, "estimated_time_to_regain_access": 5})
    client.me()  # this answer carries the 96 %
    calls = fake_graph.snapshot()["calls"]

    with pytest.raises(MetaRateLimited) as error:
        client.me()

    assert error.value.from_usage and error.value.retry_after == 300
    assert fake_graph.snapshot()["calls"] == calls  # nothing was sent


def test_it_slows_down_when_usage_passes_the_threshold(fake_graph, client, sleeps, settings):
    settings.CAMPUSVOICE_META_SLOW_DOWN_SECONDS = 2.0
    fake_graph.usage(app={"call_count": 80})
    client.me()

    client.me()

    assert sleeps == [2.0]
    assert client.usage.app == 80


def test_it_follows_cursors_through_empty_pages_that_carry_next(fake_graph, client):
    fake_graph.add_posts(30)
    fake_graph.inject(kind="empty_pages", count=2)

    posts = list(client.posts(DEMO_PAGE_ID))

    assert len(posts) == 30
    assert len({p.id for p in posts}) == 30
    assert fake_graph.snapshot()["calls"] == 4  # two empty pages, then 25 and 5


def test_it_reads_posts_with_their_first_comments_in_one_call(fake_graph, client):
    post_id = fake_graph.add_posts(1)[0]
    fake_graph.add_comments(post_id, 120)

    (post,) = list(client.posts(DEMO_PAGE_ID))

    assert post.id == post_id and post.kind == "page_post"
    assert len(post.comments.comments) == 100
    assert post.comments.total_count == 120 and post.comments.after
    assert fake_graph.snapshot()["calls"] == 1


def test_it_batches_comment_pages_fifty_at_a_time(fake_graph, client):
    post_ids = fake_graph.add_posts(120)
    fake_graph.add_comments(post_ids[-1], 2)

    pages = client.comment_pages([CommentRequest(post_id) for post_id in post_ids])

    assert len(pages) == 120
    assert len(pages[-1].comments) == 2 and pages[-1].total_count == 2
    assert client.http_calls == 3
    state = fake_graph.snapshot()
    assert (state["calls"], state["operations"]) == (3, 120)  # each entry counts for limits


def test_it_sends_again_the_batch_entries_meta_did_not_run(fake_graph, client):
    post_ids = fake_graph.add_posts(3)
    fake_graph.inject(kind="batch_null", entries=2)

    results = client.batch([_Call("GET", post_id, {"fields": "id"}) for post_id in post_ids])

    assert [r["id"] for r in results] == post_ids
    assert client.http_calls == 2


def test_it_returns_each_batch_entrys_error_in_its_place(fake_graph, client, settings):
    settings.CAMPUSVOICE_META_RETRY_ATTEMPTS = 1
    post_id = fake_graph.add_posts(1)[0]

    results = client.batch([_Call("GET", post_id, {"fields": "id"}), _Call("GET", "999_999")])

    assert results[0] == {"id": post_id}
    assert isinstance(results[1], MetaNotFound)


def test_it_normalises_instagram_comments_to_the_graph_shape(fake_graph, client):
    media_id = fake_graph.control("media", {"caption": "Campus walk"})["id"]
    comment_id = fake_graph.control("comments", {"media_id": media_id, "count": 1})["ids"][0]
    reply_id = client.reply(comment_id, "Grazie!", instagram=True)

    (media,) = list(client.instagram_media(DEMO_IG_USER_ID))

    assert media.kind == "instagram_media" and media.message == "Campus walk"
    comment, reply = media.comments.comments
    assert comment["id"] == comment_id and set(comment["from"]) == {"id", "name"}
    assert reply["id"] == reply_id and reply["parent"] == {"id": comment_id}
    assert reply["from"]["id"] == DEMO_IG_USER_ID
    assert media.comments.total_count == 2


def test_it_writes_replies_hides_and_deletes(fake_graph, client):
    post_id = fake_graph.add_posts(1)[0]
    comment_id = fake_graph.add_comments(post_id, 1)[0]

    reply_id = client.reply(comment_id, "Ti scriviamo in privato")
    client.hide(comment_id, True)
    replies = client.replies(comment_id)
    client.delete(reply_id)

    state = fake_graph.snapshot()
    assert [(r.id, r.message, r.author_id) for r in replies] == [
        (reply_id, "Ti scriviamo in privato", DEMO_PAGE_ID)
    ]
    assert state["hidden"] == {comment_id: True}
    assert state["deleted"] == [reply_id]


def test_a_reply_is_not_retried_by_the_client(fake_graph, client):
    post_id = fake_graph.add_posts(1)[0]
    comment_id = fake_graph.add_comments(post_id, 1)[0]
    fake_graph.inject(code=2, count=1, method="POST")

    with pytest.raises(MetaTransientError):
        client.reply(comment_id, "Grazie")

    assert fake_graph.snapshot()["replies"] == []
    assert fake_graph.snapshot()["calls"] == 1
