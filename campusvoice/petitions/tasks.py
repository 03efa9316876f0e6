"""Background work for petitions: thin wrappers that load by id and call a service."""

from django.tasks import task


@task
def outgoing_email_send(email_id: int) -> None:
    """Send one queued e-mail if it is due; failures reschedule themselves."""
    # Imported here because the services import this module to enqueue.
    from campusvoice.petitions.services import mail

    mail.outgoing_email_send(email_id=email_id)


@task
def outgoing_emails_send_due() -> None:
    """The sweep: send every queued e-mail that is due (run every few minutes)."""
    from campusvoice.petitions.services import mail

    mail.outgoing_emails_send_due()
