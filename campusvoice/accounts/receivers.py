"""Log-ins and log-outs go to the audit log (a decoupled concern, so a signal is fine)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, object_type="user", object_id=user.pk)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditEvent.Action.LOGOUT, object_type="user", object_id=user.pk)
