"""Offline outreach: letters to campuses, relationships with campus groups, newspaper coverage.

A letter is rendered from an organiser's template in a sandbox (outreach/rendering.py); what it
said and which figures it quoted are kept with every delivery, so the organisation can always
answer "what did we tell this president, and on which numbers?".
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel

LANGUAGES = [("en", _("English")), ("it", _("Italian"))]


class LetterKind(models.TextChoices):
    CAMPUS_GROUP = "campus_group", _("Campus group")
    STUDENT_NEWSPAPER = "student_newspaper", _("Student newspaper")
    PRESIDENT = "president", _("President or rector")
    TITLE_IX = "title_ix", _("Title IX coordinator or equality officer")


class LetterTemplate(TimeStampedModel):
    """The words of a letter, with {{ variables }} filled in per recipient."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("addressed to"), max_length=30, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="en")
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), max_length=20_000)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["kind", "language", "name"]

    def __str__(self) -> str:
        return self.name


class Letter(TimeStampedModel):
    """One letter to one recipient at one campus for one campaign, as last rendered."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ERROR = "error", _("Cannot be rendered")
        SENT = "sent", _("Sent or printed")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="letters")
    university = models.ForeignKey("campuses.University", on_delete=models.CASCADE, related_name="letters")
    template = models.ForeignKey(
        LetterTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    kind = models.CharField(_("addressed to"), max_length=30, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="en")
    # "contact:12", "group:4", "newspaper:7" or "university:3" (its chief administrator): one letter
    # per recipient, kind and campaign, so preparing the batch again updates rather than duplicates.
    recipient_key = models.CharField(max_length=40)
    contact = models.ForeignKey(
        "campuses.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    group = models.ForeignKey(
        "campuses.CampusGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    newspaper = models.ForeignKey(
        "campuses.StudentNewspaper", null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    recipient_name = models.CharField(_("recipient"), max_length=200, blank=True)
    recipient_title = models.CharField(_("recipient's title"), max_length=200, blank=True)
    recipient_organisation = models.CharField(_("recipient's organisation"), max_length=300)
    recipient_email = models.EmailField(_("recipient's e-mail"), blank=True)
    quoted_comments = models.ManyToManyField(
        "conversations.Comment", verbose_name=_("quoted comments"), blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    figures = models.JSONField(_("figures quoted"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    error = models.CharField(_("why it cannot be rendered"), max_length=500, blank=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["university__name", "kind", "recipient_organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "recipient_key"], name="letter_one_per_recipient"
            ),
            models.CheckConstraint(
                condition=~Q(status="error") | ~Q(error=""), name="letter_error_explained"
            ),
        ]

    def __str__(self) -> str:
        # No personal names: this string can end up in logs.
        return f"letter {self.pk} ({self.kind})"

    @property
    def recipient_label(self) -> str:
        """Who this goes to, by role and institution (never the person's name)."""
        role = self.recipient_title or self.get_kind_display()
        return f"{role}, {self.recipient_organisation}"


class LetterDelivery(models.Model):
    """A letter printed (PDF), handed out for editing (DOCX) or e-mailed, with the figures it quoted."""

    class Channel(models.TextChoices):
        PDF = "pdf", _("PDF")
        DOCX = "docx", _("Word document")
        EMAIL = "email", _("E-mail")

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    figures = models.JSONField(_("figures quoted"), default=dict, blank=True)
    email = models.ForeignKey(
        "petitions.OutgoingEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("letter delivery")
        verbose_name_plural = _("letter deliveries")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"letter {self.letter_id} {self.channel} {self.at:%Y-%m-%d}"


class Stage(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    CONTACTED = "contacted", _("Contacted")
    REPLIED = "replied", _("Replied")
    MEETING = "meeting", _("Meeting")
    PARTNER = "partner", _("Partner")
    DECLINED = "declined", _("Declined")
    PAUSED = "paused", _("Paused")


# Stages where nothing is waiting on us: no reminder for a next step there.
CLOSED_STAGES = frozenset({Stage.PARTNER, Stage.DECLINED, Stage.PAUSED})


class Relationship(TimeStampedModel):
    """Where we stand with one campus group or one contact, optionally for one campaign."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="relationships"
    )
    university = models.ForeignKey(
        "campuses.University", on_delete=models.CASCADE, related_name="relationships"
    )
    group = models.ForeignKey(
        "campuses.CampusGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="relationships"
    )
    contact = models.ForeignKey(
        "campuses.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="relationships"
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.IDENTIFIED)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    # Set by the reminders task (relationships_mark_overdue); cleared when the step moves on.
    is_overdue = models.BooleanField(_("overdue"), default=False, db_index=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False, contact__isnull=True)
                | Q(group__isnull=True, contact__isnull=False),
                name="relationship_group_or_contact",
            ),
            models.UniqueConstraint(
                fields=["campaign", "group"],
                condition=Q(group__isnull=False),
                name="relationship_one_per_group",
            ),
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                condition=Q(contact__isnull=False),
                name="relationship_one_per_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"relationship {self.pk} ({self.stage})"

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES


class RelationshipEvent(models.Model):
    """One thing that happened in a relationship: who did it and when."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter sent")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")
        SHARED_CONTENT = "shared_content", _("Shared content")
        STAGE_CHANGE = "stage_change", _("Stage changed")
        NOTE = "note", _("Note")

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    letter = models.ForeignKey(Letter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("relationship event")
        verbose_name_plural = _("relationship events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} on relationship {self.relationship_id}"


class WatchedSource(TimeStampedModel):
    """A feed or page we check for coverage, with what the server told us last time."""

    class Kind(models.TextChoices):
        FEED = "feed", _("RSS or Atom feed")
        PAGE = "page", _("Web page")

    newspaper = models.ForeignKey(
        "campuses.StudentNewspaper", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("address"), max_length=500, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FEED)
    is_active = models.BooleanField(_("checked"), default=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_status = models.CharField(_("last result"), max_length=40, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("watched feed or page")
        verbose_name_plural = _("watched feeds and pages")
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url


class Article(TimeStampedModel):
    """A newspaper article that may be coverage of a campaign; confirmed ones count as coverage."""

    class Status(models.TextChoices):
        FOUND = "found", _("Found, to review")
        CONFIRMED = "confirmed", _("Confirmed coverage")
        REJECTED = "rejected", _("Not coverage")

    newspaper = models.ForeignKey(
        "campuses.StudentNewspaper", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    university = models.ForeignKey(
        "campuses.University", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    source = models.ForeignKey(
        WatchedSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.URLField(_("address"), max_length=1000, unique=True)
    title = models.CharField(_("title"), max_length=500)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    match_reasons = models.JSONField(_("why it matched"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FOUND, db_index=True
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(campaign__isnull=False),
                name="article_confirmed_has_campaign",
            )
        ]

    def __str__(self) -> str:
        return self.title[:80]
