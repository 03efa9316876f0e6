"""People who engage with the campaign: how we reach them, what they agreed to, what they did.

Everything here is personal data. Rows are written by services.py only; every view of a person
is audited. A merged person is kept (with `merged_into` set) so that a merge can be undone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel


class LadderStep(models.TextChoices):
    """The engagement ladder, lowest first; see ladder.py for how a person climbs it."""

    REACHED = "reached", _("Reached")
    ENGAGED = "engaged", _("Engaged")
    SUPPORTER = "supporter", _("Supporter")
    ACTIVE = "active", _("Active")
    LEADER = "leader", _("Leader")


class Tag(TimeStampedModel):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(TimeStampedModel):
    """Someone we know of: a commenter, a signer, a volunteer. Names are optional."""

    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    campus = models.ForeignKey(
        "campuses.University",
        verbose_name=_("campus"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="people", blank=True)
    ladder_step = models.CharField(
        _("ladder step"), max_length=20, choices=LadderStep.choices, default=LadderStep.REACHED, db_index=True
    )
    score = models.FloatField(_("engagement score"), default=0.0, db_index=True)
    score_updated_at = models.DateTimeField(_("score computed"), null=True, blank=True)
    # Set when this person was merged into another; the row stays so the merge can be undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_people"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["campus", "ladder_step"], name="person_campus_step_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="person_not_merged_into_itself",
            )
        ]

    def __str__(self) -> str:
        # Never the name or an address: this string can end up in logs.
        return f"person {self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


class EmailAddress(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails")
    # Trimmed and lower-cased (emails.email_normalise); mail goes here.
    address = models.EmailField(_("e-mail"), max_length=254)
    # emails.email_canonical: one mailbox, one row, whatever dots or +tags were typed.
    canonical = models.CharField(_("canonical form"), max_length=254, unique=True)
    verified_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")
        ordering = ["-verified_at", "pk"]

    def __str__(self) -> str:
        return f"e-mail {self.pk}"


class Phone(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number"), max_length=40, help_text=_("International format, e.g. +39 …"))
    verified_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [models.UniqueConstraint(fields=["person", "number"], name="phone_unique_per_person")]

    def __str__(self) -> str:
        return f"phone {self.pk}"


class PlatformIdentity(TimeStampedModel):
    """A commenter's account on a platform (its page-scoped id), linked to a person."""

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", _("Facebook")
        INSTAGRAM = "instagram", _("Instagram")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    scoped_id = models.CharField(_("page-scoped id"), max_length=64)
    display_name = models.CharField(_("name on the platform"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("platform identity")
        verbose_name_plural = _("platform identities")
        constraints = [
            models.UniqueConstraint(fields=["platform", "scoped_id"], name="platform_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.platform} identity {self.pk}"


class ConsentRecord(models.Model):
    """What a person agreed to (or declined), when, where, and the exact words they were shown.

    Append-only: a later choice is a new row; the newest row per purpose is the one in force.
    """

    class Purpose(models.TextChoices):
        PETITION = "petition", _("Sign a petition (name counted and delivered)")
        CONTACT = "contact", _("Be contacted by e-mail about the campaign")
        STORY_QUOTE = "story_quote", _("Story quoted anonymously")
        STORY_PUBLISH = "story_publish", _("Story published with a name")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    text_version = models.CharField(_("text version"), max_length=40)
    # SHA-256 of the exact text shown, in the language shown, so the wording can be proven later.
    text_hash = models.CharField(_("text hash"), max_length=64)
    at = models.DateTimeField(_("when"))
    source = models.CharField(_("where"), max_length=100, help_text=_("e.g. signature:123"))

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "purpose", "-at"], name="consent_person_purpose_idx")]

    def __str__(self) -> str:
        return f"consent {self.pk} {self.purpose}={self.granted}"


class EngagementEvent(models.Model):
    """Something a person did. Unique per source object, so processing it twice adds nothing."""

    class Kind(models.TextChoices):
        COMMENTED = "commented", _("Commented")
        COMMENTED_ON_TOPIC = "commented_on_topic", _("Commented on topic")
        ASKED_QUESTION = "asked_question", _("Asked a question")
        WAS_ANSWERED = "was_answered", _("Was answered")
        SIGNED = "signed", _("Signed a petition")
        CONFIRMED = "confirmed", _("Confirmed a signature")
        SHARED = "shared", _("Shared")
        JOINED_GROUP = "joined_group", _("Joined a group")
        ATTENDED = "attended", _("Attended an event")
        WROTE_STORY = "wrote_story", _("Wrote a story or opinion")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("when"), db_index=True)
    # What it came from, by type and id only ("comment", 42): never its content.
    source_type = models.CharField(_("source type"), max_length=40)
    source_id = models.CharField(_("source id"), max_length=64)

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "source_type", "source_id"], name="engagement_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_type}:{self.source_id}"


class SavedList(TimeStampedModel):
    """A named search of the supporter list (its filters, not its members)."""

    name = models.CharField(_("name"), max_length=120)
    filters = models.JSONField(_("filters"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("saved list")
        verbose_name_plural = _("saved lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MergeSuggestion(TimeStampedModel):
    """Two people who may be one, waiting for an organiser to merge or dismiss them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("why"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )

    class Meta:
        verbose_name = _("merge suggestion")
        verbose_name_plural = _("merge suggestions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="merge_suggestion_once"),
            models.CheckConstraint(
                condition=Q(person_a__lt=models.F("person_b")), name="merge_suggestion_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"merge suggestion {self.person_a_id}+{self.person_b_id}"


class MergeRecord(TimeStampedModel):
    """One merge: which rows moved from `merged` to `kept`, so that `merge_undo` can move them back."""

    kept = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_absorbed")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    # {"emails": [ids], "phones": [...], "identities": [...], "events": [...], "consents": [...],
    #  "signatures": [...], "tags_added": [...], "kept_fields": {field: old value}}
    moved = models.JSONField(_("moved rows"), default=dict)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"merge {self.merged_id}→{self.kept_id}"
