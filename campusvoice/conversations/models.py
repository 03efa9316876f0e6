import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel

# The triage labels, in the order the inbox shows them. Each has a score, a model flag, and
# the effective flag (a moderator's label wins over the model's).
LABELS = ("on_topic", "question", "disclosure", "hostile", "supportive", "spam")


class Channel(TimeStampedModel):
    """Where comments come from: a Facebook Page, an Instagram account, or imported files."""

    class Kind(models.TextChoices):
        FACEBOOK_PAGE = "facebook_page", _("Facebook Page")
        INSTAGRAM = "instagram", _("Instagram professional account")
        IMPORT = "import", _("Imported files")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    platform_id = models.CharField(_("platform id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [models.UniqueConstraint(fields=["kind", "platform_id"], name="channel_unique")]

    def __str__(self) -> str:
        return self.name


class Post(TimeStampedModel):
    """A page post, an ad's (dark) post or an Instagram media item that draws comments."""

    class Kind(models.TextChoices):
        PAGE_POST = "page_post", _("Page post")
        AD_POST = "ad_post", _("Ad (dark) post")
        INSTAGRAM_MEDIA = "instagram_media", _("Instagram post")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="posts")
    platform_id = models.CharField(_("platform id"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PAGE_POST)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    universities = models.ManyToManyField(
        "campuses.University", verbose_name=_("campuses"), related_name="posts", blank=True
    )
    is_question = models.BooleanField(_("asks the audience a question"), default=False)
    message = models.TextField(_("text"), blank=True)
    permalink = models.URLField(_("link"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-published_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "platform_id"], name="post_unique")]

    def __str__(self) -> str:
        return self.message[:60] or self.platform_id


class Comment(models.Model):
    """A comment or reply on a post. Its text may hold a survivor's disclosure: handle with care."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("In progress")
        DONE = "done", _("Done")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies_received"
    )
    # Webhooks can announce a reply before its parent arrives; the id waits here until then.
    parent_platform_id = models.CharField(max_length=100, blank=True)
    platform_id = models.CharField(_("platform id"), max_length=100)
    author_platform_id = models.CharField(_("author's page-scoped id"), max_length=64, blank=True)
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    is_from_page = models.BooleanField(_("written by our page"), default=False)
    text = models.TextField(_("text"), blank=True)
    created_time = models.DateTimeField(_("written"), db_index=True)
    edited_time = models.DateTimeField(_("edited"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    # The platform time of the newest event applied, so an older event never overwrites a newer one.
    last_event_time = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden on the platform"), default=False)
    # Hide and unhide have their own clock: an older hide must not lose to a newer edit.
    hidden_event_time = models.DateTimeField(null=True, blank=True)
    # Made from an edit, hide or delete that arrived before the comment itself; the create fills it in.
    is_placeholder = models.BooleanField(_("waiting for the original comment"), default=False)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    like_count = models.PositiveIntegerField(default=0)

    language = models.CharField(_("language"), max_length=8, blank=True, db_index=True)
    scores = models.JSONField(_("triage scores"), default=dict, blank=True)
    # The model's own yes/no per label, kept so clearing a moderator's label restores its verdict.
    model_flags = models.JSONField(default=dict, blank=True)
    model_version = models.CharField(_("model version"), max_length=40, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    # Effective flags: the model's verdict unless a moderator labelled the comment.
    on_topic = models.BooleanField(_("on topic"), default=False)
    question = models.BooleanField(_("question"), default=False)
    disclosure = models.BooleanField(_("disclosure"), default=False, db_index=True)
    hostile = models.BooleanField(_("hostile"), default=False)
    supportive = models.BooleanField(_("supportive"), default=False)
    spam = models.BooleanField(_("spam"), default=False)
    priority = models.SmallIntegerField(_("priority"), default=0, db_index=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_reply_at = models.DateTimeField(_("first answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [models.UniqueConstraint(fields=["channel", "platform_id"], name="comment_unique")]
        indexes = [
            models.Index(fields=["status", "-priority", "-created_time"], name="comment_inbox_idx"),
            models.Index(fields=["post", "created_time"], name="comment_thread_idx"),
            models.Index(fields=["assignee", "status"], name="comment_assignee_idx"),
            # Replies that arrived before their parent are linked by this id when it comes.
            models.Index(fields=["channel", "parent_platform_id"], name="comment_parent_pid_idx"),
        ]

    def __str__(self) -> str:
        # Never the text: this string can end up in logs.
        return f"comment {self.platform_id}"


class ModeratorLabel(models.Model):
    """A moderator's yes/no on one label of one comment: overrides the model, feeds retraining."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="moderator_labels")
    label = models.CharField(max_length=20, choices=[(label, label) for label in LABELS])
    value = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "label"], name="moderator_label_unique")]

    def __str__(self) -> str:
        return f"{self.label}={self.value} on comment {self.comment_id}"


class ReplyTemplate(TimeStampedModel):
    """A reply a moderator can start from, per language, with campus variables."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("General")
        QUESTION = "question", _("Answer to a question")
        DISCLOSURE = "disclosure", _("Reply to a disclosure (offers support resources)")
        THANKS = "thanks", _("Thanks a supporter")
        HOSTILE = "hostile", _("Response to hostility")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    language = models.CharField(_("language"), max_length=8)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["kind", "language", "name"]

    def __str__(self) -> str:
        return self.name


class OutboxAction(models.Model):
    """Something to do on the platform (reply, hide, unhide, delete), queued until it is sent.

    The Meta integration implements the sending; until it has, the action stays pending and
    the inbox shows it so. The idempotency key makes a retried send a no-op.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        HIDE = "hide", _("Hide")
        UNHIDE = "unhide", _("Unhide")
        DELETE = "delete", _("Delete")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="outbox_actions")
    kind = models.CharField(_("action"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("reply text"), blank=True)
    template = models.ForeignKey(ReplyTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    platform_id = models.CharField(_("platform id of the reply"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("platform action")
        verbose_name_plural = _("platform actions")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="reply") | ~Q(text=""), name="outbox_reply_has_text")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.comment_id} {self.status}"


class ErasureTombstone(models.Model):
    """An erased commenter's platform id, or one of their comments' ids, as a keyed hash.

    Written by erasure (campusvoice/privacy); every ingestion path (webhooks, sync, files) drops
    comments that match, so a later import cannot bring an erased person's words back. Only the
    HMAC is kept (services/tombstones.py): the raw id is gone with the person.
    """

    class Kind(models.TextChoices):
        AUTHOR = "author", _("comment author")
        COMMENT = "comment", _("comment")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("erased"), auto_now_add=True)

    class Meta:
        verbose_name = _("erasure tombstone")
        verbose_name_plural = _("erasure tombstones")
        constraints = [models.UniqueConstraint(fields=["kind", "key_hash"], name="erasure_tombstone_unique")]

    def __str__(self) -> str:
        return f"tombstone {self.pk}"


class TriageModelVersion(models.Model):
    """A triage model version known to this installation: a shipped one, or one retrained on moderator labels.

    Retrained weights are kept here (not on one worker's disk) so every process loads the same
    model. They hold hashed-feature weights and figures, never comment text. At most one row is
    active; without an active row the newest shipped model serves.
    """

    class Source(models.TextChoices):
        SHIPPED = "shipped", _("shipped with campusvoice")
        RETRAINED = "retrained", _("retrained with moderator labels")

    class Decision(models.TextChoices):
        PROMOTED = "promoted", _("promoted")
        REFUSED = "refused", _("refused: a label got worse")
        RESTORED = "restored", _("restored by an admin")

    version = models.CharField(_("version"), max_length=40, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    # npz bytes from classifier.artefact_dump; empty for shipped versions and refused candidates.
    artefact = models.BinaryField(null=True, blank=True, editable=False)
    meta = models.JSONField(default=dict, blank=True, editable=False)
    compared_with = models.CharField(_("compared with"), max_length=40, blank=True)
    # Per label: validation F1 of the model it was compared with and its own, on the same rows.
    comparison = models.JSONField(_("validation F1 (old, new)"), default=dict, blank=True)
    moderator_labels = models.PositiveIntegerField(_("moderator labels used"), default=0)
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    activated_at = models.DateTimeField(_("last made active"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("triage model version")
        verbose_name_plural = _("triage model versions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="triage_model_one_active"
            )
        ]

    def __str__(self) -> str:
        return self.version
