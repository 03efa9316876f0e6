from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel

# What the inbox needs from a Page token (docs/meta-graph-api.md §1, §2); Instagram adds its two.
REQUIRED_PAGE_PERMISSIONS = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_manage_metadata",
)
INSTAGRAM_PERMISSIONS = ("instagram_basic", "instagram_manage_comments")
ADS_PERMISSIONS = ("ads_read",)


class MetaConnection(TimeStampedModel):
    """A Facebook Page (and its linked Instagram account) whose comments flow into the inbox.

    The token is encrypted at rest (tokens.py) and is never rendered, logged or sent back.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Connected")
        TOKEN_INVALID = "token_invalid", _("Token expired or revoked")
        PERMISSION_MISSING = "permission_missing", _("Permission missing")
        DISCONNECTED = "disconnected", _("Disconnected")

    channel = models.OneToOneField(
        "conversations.Channel", on_delete=models.PROTECT, related_name="meta_connection"
    )
    instagram_channel = models.OneToOneField(
        "conversations.Channel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meta_instagram_connection",
    )
    page_id = models.CharField(_("Page id"), max_length=64, unique=True)
    page_name = models.CharField(_("Page name"), max_length=200)
    instagram_account_id = models.CharField(_("Instagram account id"), max_length=64, blank=True)
    app_id = models.CharField(_("Meta app id"), max_length=64, blank=True)
    # Blank: settings.CAMPUSVOICE_META_GRAPH_URL. Set only by the demo and tests (the fake server).
    graph_url = models.URLField(_("Graph API address"), blank=True)
    token_encrypted = models.TextField(editable=False)
    token_expires_at = models.DateTimeField(_("token expires"), null=True, blank=True)
    permissions = models.JSONField(_("granted permissions"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Written by us from Meta's error code; never personal data or a token.
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    backfill_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Meta connection")
        verbose_name_plural = _("Meta connections")
        ordering = ["page_name"]

    def __str__(self) -> str:
        return f"{self.page_name} ({self.page_id})"

    @property
    def missing_permissions(self) -> list[str]:
        wanted = list(REQUIRED_PAGE_PERMISSIONS)
        if self.instagram_account_id:
            wanted += INSTAGRAM_PERMISSIONS
        return [p for p in wanted if p not in self.permissions]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class SyncCheckpoint(models.Model):
    """How far one post's comments were read: times and counts, never a cursor (cursors expire)."""

    connection = models.ForeignKey(MetaConnection, on_delete=models.CASCADE, related_name="checkpoints")
    post = models.OneToOneField(
        "conversations.Post", on_delete=models.CASCADE, related_name="meta_checkpoint"
    )
    # The newest comment time stored; a resumed or periodic sync asks `since` this time.
    newest_comment_time = models.DateTimeField(null=True, blank=True)
    # Meta's total_count when the post was last read to the end; unchanged means nothing to fetch.
    total_count_seen = models.IntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"checkpoint post {self.post_id}"


class WebhookDelivery(models.Model):
    """One POST from Meta, stored raw before anything is parsed: a worker that dies loses nothing.

    A byte-identical redelivery has the same hash and is the same row. The body holds comment
    text (personal data), so processed deliveries are purged after a few days.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Processed")
        FAILED = "failed", _("Failed")

    body_sha256 = models.CharField(max_length=64, unique=True)
    body = models.BinaryField()
    object = models.CharField(max_length=20, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    times_received = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return f"webhook delivery {self.pk} {self.status}"


class WebhookChange(models.Model):
    """One comment change applied: its unique key makes a duplicate change a no-op."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.SET_NULL, null=True, related_name="changes"
    )
    field = models.CharField(max_length=20)
    comment_id = models.CharField(max_length=100)
    verb = models.CharField(max_length=20)
    created_time = models.BigIntegerField()  # Meta's Unix time as sent; 0 when absent
    # Two edits of one comment can share created_time; the new text's digest tells them apart.
    text_digest = models.CharField(max_length=64, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["field", "comment_id", "verb", "created_time", "text_digest"],
                name="meta_webhook_change_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.field} {self.verb} {self.comment_id}"


class AdCampaign(TimeStampedModel):
    """A PAUSED Meta ad campaign made for a campusvoice campaign: what was asked, what Meta made.

    Created in our database first, then on Meta object by object (ads.py); each id Meta returns
    is stored as soon as it arrives, so a retry resumes instead of creating twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being created")
        CREATED = "created", _("Created, paused")
        STOPPED = "stopped", _("Stopped")

    class BudgetKind(models.TextChoices):
        DAILY = "daily", _("Per day")
        LIFETIME = "lifetime", _("For the whole campaign")

    class Split(models.TextChoices):
        EQUAL = "equal", _("Equally between campuses")
        ENROLMENT = "enrolment", _("In proportion to students enrolled")

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="meta_ad_campaign"
    )
    connection = models.ForeignKey(MetaConnection, on_delete=models.PROTECT, related_name="ad_campaigns")
    ad_account_id = models.CharField(
        _("ad account"),
        max_length=40,
        validators=[RegexValidator(r"^act_\d{1,30}$", _("An ad account id looks like act_1234567890."))],
    )
    name = models.CharField(_("name on Meta"), max_length=300)
    objective = models.CharField(_("objective"), max_length=40, default="OUTCOME_AWARENESS")
    radius_km = models.DecimalField(
        _("radius around each campus (km)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("80"))],
    )
    age_min = models.PositiveSmallIntegerField(
        _("minimum age"), validators=[MinValueValidator(18), MaxValueValidator(65)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("maximum age"), validators=[MinValueValidator(18), MaxValueValidator(65)]
    )
    languages = models.CharField(_("languages"), max_length=50, blank=True)
    budget_kind = models.CharField(_("budget"), max_length=10, choices=BudgetKind.choices)
    budget_total = models.DecimalField(
        _("total budget"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    split = models.CharField(_("split"), max_length=10, choices=Split.choices, default=Split.EQUAL)
    # The EU's Digital Services Act asks every ad for who benefits and who pays.
    dsa_beneficiary = models.CharField(_("beneficiary"), max_length=200)
    dsa_payor = models.CharField(_("payer"), max_length=200)
    platform_id = models.CharField(_("Meta campaign id"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Create calls sent for the campaign; above zero, look it up by name before creating again.
    attempts = models.PositiveSmallIntegerField(default=0)
    # A push in progress holds this claim, so a second one (a retried task, a double click) waits.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Written by us from Meta's error code; never personal data or a token.
    last_error = models.TextField(_("last error"), blank=True)
    insights_synced_at = models.DateTimeField(_("figures synced"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Meta ad campaign")
        verbose_name_plural = _("Meta ad campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_max__gte=models.F("age_min")), name="meta_ad_campaign_ages_ok"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


class AdCampusSet(models.Model):
    """One campus of an ad campaign: its ad set, and the creative and ad made from its ad content."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being created")
        CREATED = "created", _("Created, paused")
        REFUSED = "refused", _("Refused by Meta")
        FAILED = "failed", _("Failed")

    ad_campaign = models.ForeignKey(AdCampaign, on_delete=models.CASCADE, related_name="campuses")
    university = models.ForeignKey("campuses.University", on_delete=models.PROTECT, related_name="+")
    content_item = models.ForeignKey(
        "campaigns.ContentItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # In the currency's minor units (cents), as Meta takes budgets.
    budget_minor = models.PositiveIntegerField(_("budget (cents)"))
    adset_id = models.CharField(_("Meta ad set id"), max_length=64, blank=True)
    creative_id = models.CharField(_("Meta creative id"), max_length=64, blank=True)
    ad_id = models.CharField(_("Meta ad id"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True)
    # Create calls sent; above zero, a lost answer may mean Meta made the object, so look first.
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("campus ad set")
        verbose_name_plural = _("campus ad sets")
        ordering = ["ad_campaign", "university__name"]
        constraints = [
            models.UniqueConstraint(fields=["ad_campaign", "university"], name="meta_ad_one_set_per_campus")
        ]

    def __str__(self) -> str:
        return f"{self.ad_campaign_id} {self.university_id} {self.adset_id or self.status}"

    @property
    def budget(self) -> Decimal:
        return (Decimal(self.budget_minor) / 100).quantize(Decimal("0.01"))
