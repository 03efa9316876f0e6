"""Scheduled privacy work: thin wrappers over services (see docs/deploy.md, "Retention")."""

from django.tasks import task


@task
def retention_run() -> None:
    """Apply the retention rules (campusvoice.privacy.services.retention_run)."""
    from campusvoice.privacy import services

    services.retention_run()
