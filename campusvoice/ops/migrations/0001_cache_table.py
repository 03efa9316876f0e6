"""The table behind the default cache (settings.CACHE_TABLE): rate-limit counters and one-time
puzzles shared by every web process. Made here rather than by `createcachetable`, so that
`migrate` alone prepares a deployment; with Redis as the cache the table simply stays empty."""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


def cache_table_create(apps, schema_editor):
    # Django's own code for the table: the columns and index DatabaseCache expects. It skips a
    # table that already exists (a deployment that ran createcachetable before).
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, settings.CACHE_TABLE, False)


def cache_table_drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(cache_table_create, cache_table_drop)]
