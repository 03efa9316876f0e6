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


@task
def relationship_reminders_send() -> None:
    """E-mail each owner a digest of their overdue next steps (run daily; re-runs send nothing more)."""
    from campusvoice.outreach.services import relationships

    relationships.relationship_reminders_send()
