"""The busiest public statements as prepared statements on PostgreSQL.

Django's PostgreSQL backend binds parameters on the client and prepares nothing (so that poolers in
transaction mode work): each statement is parsed and planned again. For the two statements of the
public petition page and its form (the page's freshness check and the signature's INSERT) the
planning cost PostgreSQL more CPU than the work (the check: 0.68 ms planned every time, 0.12 ms
prepared). They go through a server-binding psycopg cursor on Django's own connection (same
transaction, same adapters) and are prepared on first use, once per connection.

settings.DATABASES' `prepare_threshold` OPTION turns it off when None (CAMPUSVOICE_DB_PREPARED=false,
for a pooler that cannot keep prepared statements): the statements then run as any other.
"""

from functools import partial

from django.db import connections


def fetchone(sql: str, params: list, *, using: str = "default") -> tuple | None:
    """Run one statement and return its first row (or None); prepared where possible."""
    connection = connections[using]
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:

        def execute(sql, params, many, context):
            return cursor.execute(sql, params, prepare=True)

        # connection.execute_wrapper() sees these statements as any other (tests, benchmarks).
        executor = execute
        for wrapper in reversed(connection.execute_wrappers):
            executor = partial(wrapper, executor)
        executor(sql, params, False, {"connection": connection, "cursor": cursor})
        return cursor.fetchone()
