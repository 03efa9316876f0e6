"""Full-text search: the right rows on SQLite (FTS5) and PostgreSQL (GIN), kept in step, never a syntax error."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from campusvoice.accounts.models import Role
from campusvoice.conversations import search
from campusvoice.conversations.models import Comment
from campusvoice.conversations.selectors import InboxFilters, inbox_page
from campusvoice.conversations.tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def _found(query: str) -> set[int]:
    return set(search.comments_matching(Comment.objects.all(), query=query).values_list("pk", flat=True))


@pytest.fixture
def corpus():
    return {
        "consent": CommentFactory(text="Consent is the baseline, always."),
        "office": CommentFactory(text="Where is the Title IX office on campus?"),
        "it": CommentFactory(text="Dove trovo lo sportello antiviolenza in università?"),
        "both": CommentFactory(text="The office said consent forms are online"),
    }


def test_it_finds_comments_holding_every_word(corpus):
    assert _found("consent") == {corpus["consent"].pk, corpus["both"].pk}
    assert _found("office consent") == {corpus["both"].pk}
    assert _found("OFFICE") == {corpus["office"].pk, corpus["both"].pk}
    assert _found("sportello") == {corpus["it"].pk}
    assert _found("nothing-like-this") == set()


@pytest.mark.parametrize("query", ['"', "office*", "AND OR NOT", "(", "NEAR(a b)", "' OR 1=1 --", "a:b", "^"])
def test_query_syntax_from_the_user_is_never_an_error(corpus, query):
    _found(query)  # no exception


def test_the_index_follows_edits_and_deletions(corpus):
    comment = corpus["consent"]
    comment.text = "Completely different words now"
    comment.save()
    assert _found("consent") == {corpus["both"].pk}
    assert _found("different") == {comment.pk}
    corpus["both"].delete()
    assert _found("consent") == set()


def test_search_combines_with_the_queue_filters(moderator, corpus):
    Comment.objects.filter(pk=corpus["both"].pk).update(status=Comment.Status.DONE)
    page = inbox_page(user=moderator, filters=InboxFilters(q="consent"))
    assert [c.pk for c in page.comments] == [corpus["consent"].pk]


def test_the_search_box_works_from_the_inbox_page(client_for, corpus):
    response = client_for(Role.MODERATOR).get("/inbox/", {"q": "sportello"})
    assert [c.pk for c in response.context["page"].comments] == [corpus["it"].pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5")
def test_sqlite_falls_back_to_a_plain_scan_without_fts(corpus):
    search.fts_uninstall(connection)
    try:
        assert not search.fts_ready(connection)
        assert _found("office consent") == {corpus["both"].pk}
    finally:
        assert search.fts_install(connection)
    assert _found("office consent") == {corpus["both"].pk}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5")
def test_sqlite_uses_the_fts_table():
    assert search.fts_ready(connection)
    sql = str(search.comments_matching(Comment.objects.all(), query="office").query)
    assert "conversations_comment_fts MATCH" in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_postgresql_answers_from_the_gin_index(corpus):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    query = SearchQuery("consent", config=search.CONFIG, search_type="websearch")
    plan = Comment.objects.alias(v=search.search_vector()).filter(v=query).explain()
    assert "comment_text_search_idx" in plan


def test_a_word_many_comments_hold_is_searched_in_place(corpus, monkeypatch):
    monkeypatch.setattr(search, "FEW_MATCHES", 1)
    assert _found("consent") == {corpus["consent"].pk, corpus["both"].pk}
    assert _found("sportello") == {corpus["it"].pk}
