"""Petitions with a version per campus, their signatures, stories, and the outgoing-mail queue.

A signature holds the least we need: a name, the address it must be confirmed from, the consent
choices with the exact wording's version and hash, and attribution (which link brought it). No
IP address is stored, only a salted, daily-rotating hash used for rate limits.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel

LANGUAGE_CODES = ("en", "it")
# Words the public URLs use (/p/<lang>/<slug>/thanks/, /p/<slug>/embed/…): not usable as names.
RESERVED_SLUGS = frozenset({*LANGUAGE_CODES, "confirm", "stories", "thanks", "confirmed", "embed"})


def _not_reserved(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(value)s” is used by the public pages; choose another."), params={"value": value}
        )


def _localised(obj, name: str, language: str | None = None) -> str:
    """`obj.<name>_<language>`, falling back to English when that translation is empty."""
    language = (language or get_language() or "en")[:2]
    if language not in LANGUAGE_CODES:
        language = "en"
    return getattr(obj, f"{name}_{language}") or getattr(obj, f"{name}_en")


class Petition(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="petitions"
    )
    slug = models.SlugField(_("short name for links"), max_length=80, unique=True, validators=[_not_reserved])
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_it = models.CharField(_("title (Italian)"), max_length=200, blank=True)
    text_en = models.TextField(_("text (English)"))
    text_it = models.TextField(_("text (Italian)"), blank=True)
    target_description = models.CharField(
        _("addressed to"), max_length=300, help_text=_("e.g. the presidents and rectors of our campuses")
    )
    is_open = models.BooleanField(_("open for signatures"), default=True)
    goal = models.PositiveIntegerField(_("goal: confirmed signatures"), null=True, blank=True)
    # The words next to the checkboxes. Editing them bumps consent_version (services.petitions),
    # so every signature records which wording its signer saw.
    consent_text_en = models.TextField(_("consent to sign (English)"))
    consent_text_it = models.TextField(_("consent to sign (Italian)"), blank=True)
    contact_text_en = models.TextField(_("consent to be contacted (English)"))
    contact_text_it = models.TextField(_("consent to be contacted (Italian)"), blank=True)
    consent_version = models.PositiveIntegerField(_("consent text version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title_en

    def title(self, language: str | None = None) -> str:
        return _localised(self, "title", language)

    def text(self, language: str | None = None) -> str:
        return _localised(self, "text", language)

    def consent_text(self, language: str | None = None) -> str:
        return _localised(self, "consent_text", language)

    def contact_text(self, language: str | None = None) -> str:
        return _localised(self, "contact_text", language)


class PetitionVersion(TimeStampedModel):
    """The petition as addressed to one campus: its own target, optionally its own words."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="versions")
    university = models.ForeignKey(
        "campuses.University",
        verbose_name=_("campus"),
        on_delete=models.PROTECT,
        related_name="petition_versions",
    )
    code = models.SlugField(
        _("campus code for links"), max_length=40, help_text=_("e.g. unibo, ucla"), validators=[_not_reserved]
    )
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_it = models.CharField(_("title (Italian)"), max_length=200, blank=True)
    text_en = models.TextField(_("text (English)"), blank=True, help_text=_("Empty: the petition's text."))
    text_it = models.TextField(_("text (Italian)"), blank=True)
    target = models.CharField(_("addressed to"), max_length=300, help_text=_("e.g. the Rector, Prof. …"))

    class Meta:
        verbose_name = _("campus version")
        verbose_name_plural = _("campus versions")
        ordering = ["university__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "university"], name="petition_version_one_per_campus"
            ),
            models.UniqueConstraint(fields=["petition", "code"], name="petition_version_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.petition} · {self.university}"

    def title(self, language: str | None = None) -> str:
        return _localised(self, "title", language) or self.petition.title(language)

    def text(self, language: str | None = None) -> str:
        return _localised(self, "text", language) or self.petition.text(language)


class Signature(models.Model):
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        VOIDED = "voided", _("Voided")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    version = models.ForeignKey(
        PetitionVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="signatures"
    )
    university = models.ForeignKey(
        "campuses.University",
        verbose_name=_("campus"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Linked when the address is confirmed (supporters.services.person_for_confirmed_email).
    person = models.ForeignKey(
        "supporters.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="signatures"
    )
    email = models.EmailField(_("e-mail"), max_length=254)
    email_canonical = models.CharField(_("canonical e-mail"), max_length=254)
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, default="en")
    contact_ok = models.BooleanField(_("may be contacted"), default=False)
    consent_version = models.PositiveIntegerField(_("consent text version"))
    consent_text_hash = models.CharField(max_length=64)
    contact_text_hash = models.CharField(max_length=64)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNCONFIRMED, db_index=True
    )
    # SHA-256 of the confirmation token; the token itself only ever exists in the e-mail.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("signed"), auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=200, blank=True)

    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    ref = models.CharField(_("tracked link"), max_length=100, blank=True, db_index=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent_family = models.CharField(max_length=40, blank=True)
    # Set when the signer was erased (campusvoice/privacy): the row stays, without anything
    # personal, so the petition's counts stay right.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One signature per mailbox, however the address was typed (emails.email_canonical).
            # Erased rows have no address left, so they are left out.
            models.UniqueConstraint(
                fields=["petition", "email_canonical"],
                condition=Q(erased_at__isnull=True),
                name="signature_one_per_email",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="signature_confirmed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["petition", "status"], name="signature_petition_status_idx"),
            models.Index(fields=["version", "status"], name="signature_version_status_idx"),
        ]

    def __str__(self) -> str:
        # Never the name or address: this string can end up in logs.
        return f"signature {self.pk}"


class OutgoingEmail(models.Model):
    """One e-mail to send, written in the same transaction as what it announces.

    Sent by a task enqueued on commit; a periodic sweep resends what is still queued, so a mail
    outage delays messages without losing them. `last_error` holds the error's type and SMTP code
    only: SMTP messages often quote the recipient's address.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due_idx")]

    def __str__(self) -> str:
        return f"e-mail {self.pk} {self.purpose} {self.status}"


class OutgoingEmailAttachment(models.Model):
    """A file sent with a queued e-mail, stored in the database in the same transaction as the
    message, so every retry sends the same bytes and nothing lives in a file outside a backup.

    The bytes are dropped once the message is sent (the name and size stay); erasing the message
    deletes its attachments with it.
    """

    email = models.ForeignKey(OutgoingEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    content = models.BinaryField(_("content"), blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("e-mail attachment")
        verbose_name_plural = _("e-mail attachments")
        ordering = ["email", "pk"]

    def __str__(self) -> str:
        return f"attachment {self.pk} of e-mail {self.email_id} ({self.size} bytes)"


class Story(TimeStampedModel):
    """A story or opinion sent through the public form. Treated as a disclosure, always:

    only moderators and admins read it (capability inbox.disclosures), nothing answers it
    automatically, and nothing quotes it before a moderator approved a redacted excerpt. Withdrawal
    blanks the excerpt and the consents for good.
    """

    class Kind(models.TextChoices):
        STORY = "story", _("A story")
        OPINION = "opinion", _("An opinion")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved for quoting")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="stories")
    university = models.ForeignKey(
        "campuses.University",
        verbose_name=_("campus"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STORY)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    # All optional: a writer may stay anonymous.
    display_name = models.CharField(_("name to publish"), max_length=100, blank=True)
    contact_email = models.EmailField(_("e-mail for a reply"), blank=True)
    consent_contact = models.BooleanField(_("may be contacted"), default=False)
    consent_quote_anonymously = models.BooleanField(_("may be quoted anonymously"), default=False)
    consent_publish_named = models.BooleanField(_("may be published with the name"), default=False)
    consent_version = models.CharField(_("consent text version"), max_length=40)
    consent_text_hash = models.CharField(max_length=64)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    excerpt = models.TextField(_("redacted excerpt for approved uses"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    withdrawal_token_hash = models.CharField(max_length=64, unique=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | ~Q(excerpt=""), name="story_approved_has_excerpt"
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(excerpt=""), name="story_withdrawn_has_no_excerpt"
            ),
            models.CheckConstraint(
                condition=~Q(consent_publish_named=True) | ~Q(display_name=""),
                name="story_named_needs_a_name",
            ),
        ]

    def __str__(self) -> str:
        # Never the text.
        return f"story {self.pk}"
