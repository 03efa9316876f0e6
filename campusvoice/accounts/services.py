"""Writes for members, roles and the audit log."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, Organisation, Role, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    summary: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. Callers pass ids and counts, never personal data or comment text."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.email if actor is not None and actor.pk else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        detail=detail or {},
    )


@transaction.atomic
def user_create(*, email: str, password: str, role: str, full_name: str = "", by: User | None = None) -> User:
    """Create a member with a validated password; raises ValidationError keyed by field."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A member with this e-mail address already exists.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    user = User(email=email, role=role, full_name=full_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.is_superuser = role == Role.ADMIN
    user.full_clean()
    user.save()
    audit_record(actor=by, action=AuditEvent.Action.CREATE, object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def user_update(*, user: User, by: User, role: str, full_name: str, is_active: bool) -> User:
    """Change a member's role, name or active flag; an admin cannot demote or lock out themself."""
    if user.pk == by.pk and (role != Role.ADMIN or not is_active):
        raise ValidationError({"role": _("You cannot remove your own admin role or deactivate yourself.")})
    changed = sorted(
        f
        for f, new in (("role", role), ("full_name", full_name), ("is_active", is_active))
        if getattr(user, f) != new
    )
    user.role, user.full_name, user.is_active = role, full_name.strip(), is_active
    user.is_superuser = role == Role.ADMIN
    user.full_clean()
    user.save()
    if changed:
        audit_record(
            actor=by,
            action=AuditEvent.Action.CHANGE,
            object_type="user",
            object_id=user.pk,
            detail={"fields": changed},
        )
    return user


def organisation_get() -> Organisation:
    """The deployment's organisation, created with the configured name on first use."""
    from django.conf import settings

    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        organisation = Organisation.objects.create(name=settings.ORGANISATION_NAME)
    return organisation
