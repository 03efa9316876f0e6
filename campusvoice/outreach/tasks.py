"""Background work for outreach: thin wrappers over the services."""

from django.tasks import task


@task
def newspapers_fetch() -> None:
    """Check every watched newspaper feed and page for coverage (run every few hours)."""
    from campusvoice.outreach.services import coverage

    coverage.newspapers_fetch()


@task
def relationships_mark_overdue() -> None:
    """Flag relationships whose next step is past due (run daily)."""
    from campusvoice.outreach.services import relationships

    relationships.relationships_mark_overdue()
