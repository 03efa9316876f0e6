"""Full-text search over comment text, on whichever database runs.

PostgreSQL: `to_tsvector('simple', text)` answered by a GIN expression index (migration 0002).
The 'simple' configuration lowercases without stemming, because comments mix English and
Italian and a stemmer for one language mangles the other.

SQLite: an FTS5 external-content table, `conversations_comment_fts`, kept in step with the
comment table by triggers (migration 0002). If this SQLite lacks FTS5, search falls back to
`icontains`: slower, never wrong.

None of these objects is in the model state. SQLite's schema editor rebuilds a table for many
a later AddField, and takes the triggers and indexes it does not know about with it, so
`indexes_ensure` runs after every `migrate` (post_migrate, in apps.py) and puts back what is
missing. The same goes for the inbox queue's partial indexes, which live here for that reason.
"""

import re
import time

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections, models
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

CONFIG = "simple"
FTS_TABLE = "conversations_comment_fts"
_TRIGGERS = ("conversations_comment_fts_ai", "conversations_comment_fts_ad", "conversations_comment_fts_au")
_WORD = re.compile(r"\w+", re.UNICODE)
FEW_MATCHES = 2000


def search_vector() -> SearchVector:
    """The indexed expression; the query must use exactly this for the index to apply."""
    return SearchVector("text", config=CONFIG)


def comments_matching(comments: QuerySet, *, query: str) -> QuerySet:
    """Narrow `comments` to those whose text holds every word of `query` (any case)."""
    connection = connections[comments.db]
    if connection.vendor == "postgresql":
        text_query = SearchQuery(query, config=CONFIG, search_type="websearch")
        in_place = comments.alias(text_search=search_vector()).filter(text_search=text_query)
        # PostgreSQL's guess for a word it has no statistics on is "many", so for a rare word it
        # walks the priority index computing to_tsvector() for every comment (seconds at a
        # million). Unless every word is common, ask the GIN index for the ids first.
        if _all_words_common(connection, _WORD.findall(query.lower())):
            return in_place
        matched = list(
            comments.model.objects.alias(text_search=search_vector())
            .filter(text_search=text_query)
            .values_list("pk", flat=True)[: FEW_MATCHES + 1]
        )
        return comments.filter(pk__in=matched) if len(matched) <= FEW_MATCHES else in_place
    words = _WORD.findall(query)
    if not words:
        return comments
    if connection.vendor == "sqlite" and fts_ready(connection):
        # Each word quoted, so FTS5 reads the user's input as words, never as query syntax.
        match = " ".join('"{}"'.format(word.replace('"', '""')) for word in words)
        return comments.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM conversations_comment_fts WHERE conversations_comment_fts MATCH %s",
                (match,),
            )
        )
    for word in words:
        comments = comments.filter(text__icontains=word)
    return comments


_common: dict = {"at": 0.0, "words": {}}


def _all_words_common(connection, words: list[str]) -> bool:
    """True if ANALYZE saw each word in more than FEW_MATCHES comments (statistics cached 10 min)."""
    if not words:
        return False
    if time.monotonic() - _common["at"] > 600:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
                "FROM pg_stats s JOIN pg_class c ON c.relname = 'conversations_comment' "
                "WHERE s.tablename = 'comment_text_search_idx'"
            )
            row = cursor.fetchone()
        counts = {}
        if row and row[0]:
            elems, freqs, rows = row
            counts = {word: freq * rows for word, freq in zip(elems, freqs, strict=False)}
        _common.update(at=time.monotonic(), words=counts)
    return all(_common["words"].get(word, 0) > FEW_MATCHES for word in words)


def fts_ready(connection) -> bool:
    """True if the FTS5 table and all three of its triggers exist on this SQLite database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE (type = 'table' AND name = %s) OR type = 'trigger'",
            [FTS_TABLE],
        )
        names = {row[0] for row in cursor.fetchall()}
    return FTS_TABLE in names and all(name in names for name in _TRIGGERS)


def fts_install(connection) -> bool:
    """Create (or repair) the SQLite FTS5 table and triggers and index every comment.

    Returns False, changing nothing, if this SQLite was built without FTS5.
    """
    # Literal SQL: names are fixed, and no value from outside reaches these statements.
    statements = [
        "DROP TRIGGER IF EXISTS conversations_comment_fts_ai",
        "DROP TRIGGER IF EXISTS conversations_comment_fts_ad",
        "DROP TRIGGER IF EXISTS conversations_comment_fts_au",
        "DROP TABLE IF EXISTS conversations_comment_fts",
        "CREATE VIRTUAL TABLE conversations_comment_fts USING fts5(text, content='conversations_comment', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER conversations_comment_fts_ai AFTER INSERT ON conversations_comment BEGIN "
        "INSERT INTO conversations_comment_fts(rowid, text) VALUES (new.id, new.text); END",
        "CREATE TRIGGER conversations_comment_fts_ad AFTER DELETE ON conversations_comment BEGIN "
        "INSERT INTO conversations_comment_fts(conversations_comment_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); END",
        "CREATE TRIGGER conversations_comment_fts_au AFTER UPDATE OF text ON conversations_comment BEGIN "
        "INSERT INTO conversations_comment_fts(conversations_comment_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); "
        "INSERT INTO conversations_comment_fts(rowid, text) VALUES (new.id, new.text); END",
        "INSERT INTO conversations_comment_fts(conversations_comment_fts) VALUES ('rebuild')",
    ]
    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE VIRTUAL TABLE temp.cv_fts5_probe USING fts5(x)")
            cursor.execute("DROP TABLE temp.cv_fts5_probe")
        except Exception:  # noqa: BLE001 - any failure means "no FTS5 here"
            return False
        for statement in statements:
            cursor.execute(statement)
    return True


def fts_uninstall(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS conversations_comment_fts_ai")
        cursor.execute("DROP TRIGGER IF EXISTS conversations_comment_fts_ad")
        cursor.execute("DROP TRIGGER IF EXISTS conversations_comment_fts_au")
        cursor.execute("DROP TABLE IF EXISTS conversations_comment_fts")


# The open queue ("to do": new or in progress, not deleted, not by our page), in both orders the
# inbox offers, each ending in the id so keyset paging is one index range.
_TODO = Q(status__in=["new", "open"], is_from_page=False, deleted_at__isnull=True)


def _indexes(vendor: str) -> list[models.Index]:
    indexes = [
        models.Index(
            fields=["-priority", "-created_time", "-id"], condition=_TODO, name="comment_todo_priority_idx"
        ),
        models.Index(fields=["-created_time", "-id"], condition=_TODO, name="comment_todo_time_idx"),
        models.Index(
            fields=["-priority", "-created_time", "-id"],
            condition=_TODO & Q(disclosure=True),
            name="comment_todo_disclosure_idx",
        ),
        models.Index(fields=["-priority", "-created_time", "-id"], name="comment_priority_time_idx"),
    ]
    if vendor == "postgresql":
        indexes.append(GinIndex(search_vector(), name="comment_text_search_idx"))
        # Median reply times on the metrics page read only answered public comments: an
        # index-only scan of this, already in post order, instead of the whole table.
        indexes.append(
            models.Index(
                fields=["post"],
                include=["assignee", "created_time", "first_reply_at"],
                condition=Q(first_reply_at__isnull=False, is_from_page=False, deleted_at__isnull=True),
                name="comment_reply_delay_idx",
            )
        )
    return indexes


def indexes_ensure(schema_editor, comment_model) -> None:
    """Create whichever of the inbox's indexes, FTS table and triggers are missing."""
    connection = schema_editor.connection
    table = comment_model._meta.db_table
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return
        existing = connection.introspection.get_constraints(cursor, table)
    for index in _indexes(connection.vendor):
        if index.name not in existing:
            schema_editor.add_index(comment_model, index)
    if connection.vendor == "sqlite" and not fts_ready(connection):
        fts_install(connection)


def indexes_drop(schema_editor, comment_model) -> None:
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        fts_uninstall(connection)
    with connection.cursor() as cursor:
        existing = connection.introspection.get_constraints(cursor, comment_model._meta.db_table)
    for index in _indexes(connection.vendor):
        if index.name in existing:
            schema_editor.remove_index(comment_model, index)
