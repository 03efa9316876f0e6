from django.db.models import QuerySet

from campusvoice.accounts.models import AuditEvent, User


def audit_events(
    *, action: str = "", object_type: str = "", actor: str = "", since=None, until=None
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events.order_by("-at", "-id")


def members() -> QuerySet[User]:
    return User.objects.order_by("role", "email")
