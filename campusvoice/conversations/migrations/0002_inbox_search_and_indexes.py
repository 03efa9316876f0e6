"""The inbox's own indexes, per database vendor (see campusvoice/conversations/search.py).

- Full-text search: on PostgreSQL a GIN index on the expression the search queries; on SQLite
  an FTS5 external-content table kept in step by triggers.
- The open queue, ordered by priority or by time and ending in the id for keyset paging:
  partial indexes, so PostgreSQL reads a page straight off an index at a million comments.

None of these is part of the model state (so `makemigrations` never tries to drop them);
`search.indexes_ensure` also runs after every migrate, to restore what a table rebuild removed.
"""

from django.db import migrations

from campusvoice.conversations import search


def forwards(apps, schema_editor):
    search.indexes_ensure(schema_editor, apps.get_model("conversations", "Comment"))


def backwards(apps, schema_editor):
    search.indexes_drop(schema_editor, apps.get_model("conversations", "Comment"))


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
