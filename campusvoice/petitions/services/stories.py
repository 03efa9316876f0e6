"""Stories and opinions from the public form: stored as disclosures, reviewed, withdrawable.

Nothing here sends e-mail or replies: a story is never answered automatically.
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.petitions.models import Story

# Bump when the consent wording on the story form changes (templates/petitions/story_form.html).
CONSENT_VERSION = "story-1"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@transaction.atomic
def story_submit(
    *,
    campaign,
    university,
    kind: str,
    text: str,
    language: str,
    consent_text: str,
    display_name: str = "",
    contact_email: str = "",
    consent_contact: bool = False,
    consent_quote_anonymously: bool = False,
    consent_publish_named: bool = False,
    ip_hash: str = "",
) -> tuple[Story, str]:
    """Store a story; returns it and the withdrawal token (shown once to the writer, kept hashed).

    A name is kept only if the writer wants to be published with it, an address only if they want
    a reply: the least data for what they asked for. Raises ValidationError keyed by field.
    """
    token = secrets.token_urlsafe(32)
    story = Story(
        campaign=campaign,
        university=university,
        kind=kind,
        text=text.strip(),
        language=language[:8],
        display_name=display_name.strip()[:100] if consent_publish_named else "",
        contact_email=contact_email.strip().lower() if consent_contact else "",
        consent_contact=consent_contact and bool(contact_email.strip()),
        consent_quote_anonymously=consent_quote_anonymously,
        consent_publish_named=consent_publish_named,
        consent_version=CONSENT_VERSION,
        consent_text_hash=_hash(consent_text),
        withdrawal_token_hash=_hash(token),
        ip_hash=ip_hash,
    )
    if consent_publish_named and not story.display_name:
        raise ValidationError(
            {"display_name": _("Give the name to publish, or untick publishing with a name.")}
        )
    story.full_clean()
    story.save()
    return story, token


@transaction.atomic
def story_review(*, story: Story, status: str, excerpt: str, by: User) -> Story:
    """A moderator's review: status and the redacted excerpt that approved uses may quote.

    Approval needs an excerpt and the writer's consent to be quoted; a withdrawn story stays
    withdrawn. Raises ValidationError keyed by field.
    """
    story = Story.objects.select_for_update().get(pk=story.pk)
    if story.status == Story.Status.WITHDRAWN:
        raise ValidationError({"status": _("The writer withdrew this story; it cannot be used.")})
    if status == Story.Status.WITHDRAWN:
        raise ValidationError({"status": _("Only the writer can withdraw a story.")})
    excerpt = excerpt.strip()
    if status == Story.Status.APPROVED:
        if not (story.consent_quote_anonymously or story.consent_publish_named):
            raise ValidationError({"status": _("The writer did not agree to be quoted.")})
        if not excerpt:
            raise ValidationError({"excerpt": _("Write the redacted excerpt that may be quoted.")})
    story.status, story.excerpt = status, excerpt
    story.reviewed_by, story.reviewed_at = by, timezone.now()
    story.full_clean()
    story.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="story",
        object_id=story.pk,
        summary=f"reviewed: {status}",
    )
    return story


def story_for_token(*, token: str) -> Story | None:
    if not token or len(token) > 100:
        return None
    return Story.objects.filter(withdrawal_token_hash=_hash(token)).first()


@transaction.atomic
def story_withdraw(*, token: str) -> Story | None:
    """The writer withdraws consent: the excerpt is blanked everywhere and no use is allowed.

    Idempotent; returns None for an unknown token.
    """
    story = story_for_token(token=token)
    if story is None:
        return None
    story = Story.objects.select_for_update().get(pk=story.pk)
    if story.status == Story.Status.WITHDRAWN:
        return story
    story.status, story.withdrawn_at, story.excerpt = Story.Status.WITHDRAWN, timezone.now(), ""
    story.consent_quote_anonymously = story.consent_publish_named = story.consent_contact = False
    story.save()
    audit_record(
        actor=None,
        action=AuditEvent.Action.CHANGE,
        object_type="story",
        object_id=story.pk,
        summary="withdrawn by the writer",
    )
    return story
