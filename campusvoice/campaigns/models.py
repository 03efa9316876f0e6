from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel


class Campaign(TimeStampedModel):
    """A push across target campuses, with goals to measure it against."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name for links"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    languages = models.CharField(_("languages"), max_length=20, default="en", help_text=_("e.g. en,it"))
    budget = models.DecimalField(_("budget"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    universities = models.ManyToManyField(
        "campuses.University", verbose_name=_("target campuses"), related_name="campaigns", blank=True
    )
    goal_comments_per_post = models.PositiveIntegerField(_("goal: comments per post"), null=True, blank=True)
    goal_reach_share = models.DecimalField(
        _("goal: share of students reached (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    goal_signatures = models.PositiveIntegerField(_("goal: signatures"), null=True, blank=True)
    goal_groups_engaged = models.PositiveIntegerField(_("goal: campus groups engaged"), null=True, blank=True)
    petition_url = models.URLField(
        _("petition link"),
        max_length=500,
        blank=True,
        help_text=_("Available in content as {{ petition_url }}."),
    )
    # Targeting for the export bundle: one geofence per campus, the same radius and ages for all.
    radius_km = models.DecimalField(
        _("radius around each campus (km)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("80"))],
    )
    age_min = models.PositiveSmallIntegerField(
        _("minimum age"), default=18, validators=[MinValueValidator(18), MaxValueValidator(65)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("maximum age"), default=30, validators=[MinValueValidator(18), MaxValueValidator(65)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(age_max__gte=models.F("age_min")), name="campaign_ages_ok"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


class ReachSnapshot(models.Model):
    """Delivery figures for one object over one date range, as Meta reported them.

    Reach counts unique people within this object and this range only: it is never added up
    across ad sets, posts or days. Both the Graph API sync and imported Ads Manager / Page
    insights exports write here.
    """

    class Level(models.TextChoices):
        CAMPAIGN = "campaign", _("Ad campaign")
        AD_SET = "ad_set", _("Ad set (one campus)")
        POST = "post", _("Post")

    class Source(models.TextChoices):
        API = "api", _("Graph API")
        ADS_EXPORT = "ads_export", _("Ads Manager export")
        PAGE_EXPORT = "page_export", _("Page insights export")
        MANUAL = "manual", _("Entered by hand")

    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="reach_snapshots"
    )
    university = models.ForeignKey(
        "campuses.University", null=True, blank=True, on_delete=models.CASCADE, related_name="reach_snapshots"
    )
    post = models.ForeignKey(
        "conversations.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="reach_snapshots"
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    platform_id = models.CharField(_("platform id"), max_length=100, blank=True)
    name = models.CharField(_("name in the report"), max_length=300, blank=True)
    is_organic = models.BooleanField(_("organic (not paid)"), default=False)
    date_start = models.DateField(_("from"))
    date_stop = models.DateField(_("to"))
    reach = models.PositiveIntegerField(_("reach"), null=True, blank=True)
    impressions = models.PositiveIntegerField(_("impressions"), null=True, blank=True)
    frequency = models.DecimalField(_("frequency"), max_digits=8, decimal_places=4, null=True, blank=True)
    spend = models.DecimalField(_("amount spent"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    clicks = models.PositiveIntegerField(_("clicks"), null=True, blank=True)
    reactions = models.PositiveIntegerField(_("reactions"), null=True, blank=True)
    comments = models.PositiveIntegerField(_("comments"), null=True, blank=True)
    shares = models.PositiveIntegerField(_("shares"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("reach snapshot")
        verbose_name_plural = _("reach snapshots")
        ordering = ["-date_stop", "level"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_stop__gte=models.F("date_start")), name="reach_range_ok"
            ),
            # One figure per object, range and source: a re-import or re-sync replaces it.
            models.UniqueConstraint(
                fields=["level", "source", "platform_id", "name", "date_start", "date_stop"],
                name="reach_snapshot_unique",
            ),
        ]
        indexes = [models.Index(fields=["university", "date_stop"])]

    def __str__(self) -> str:
        return f"{self.level} {self.name or self.platform_id} {self.date_start}–{self.date_stop}"


class ContentKind(models.TextChoices):
    PAGE_POST = "page_post", _("Page post")
    AD = "ad", _("Ad")
    QUESTION_POST = "question_post", _("Question post")
    ALLY_SHARE = "ally_share", _("Ally's content shared")


class ContentTemplate(TimeStampedModel):
    """A text with variables, rendered once per target campus into content items."""

    class Language(models.TextChoices):
        EN = "en", _("English")
        IT = "it", _("Italian")

    class CallToAction(models.TextChoices):
        SHARE_OPINION = "share_opinion", _("Share your opinion")
        TELL_STORY = "tell_story", _("Tell your story")
        SIGN_PETITION = "sign_petition", _("Sign the petition")
        JOIN_GROUP = "join_group", _("Join a campus group")
        NONE = "none", _("None")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="content_templates")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ContentKind.choices, default=ContentKind.PAGE_POST
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    body = models.TextField(
        _("text"), help_text=_("Variables such as {{ campus.name }} are filled in for each campus.")
    )
    call_to_action = models.CharField(
        _("call to action"), max_length=20, choices=CallToAction.choices, default=CallToAction.NONE
    )
    link_url = models.URLField(_("link"), max_length=500, blank=True)
    image = models.ImageField(_("image"), upload_to="campaigns/images/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("content template")
        verbose_name_plural = _("content templates")
        ordering = ["campaign", "kind", "language", "name"]

    def __str__(self) -> str:
        return self.name


class ContentItem(TimeStampedModel):
    """One piece of content for one campus and channel, from draft to published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="content_items")
    template = models.ForeignKey(
        ContentTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    ally_item = models.ForeignKey(
        "campaigns.AllyItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    university = models.ForeignKey(
        "campuses.University", on_delete=models.CASCADE, related_name="content_items"
    )
    kind = models.CharField(_("channel"), max_length=20, choices=ContentKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=ContentTemplate.Language.choices)
    text = models.TextField(_("text"))
    # A hand edit is kept when the template is rendered again.
    is_hand_edited = models.BooleanField(_("edited by hand"), default=False)
    link = models.URLField(_("link with tracking"), max_length=1000, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    failure_reason = models.TextField(_("why it failed"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    platform_id = models.CharField(_("platform id"), max_length=100, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    publish_attempts = models.PositiveSmallIntegerField(default=0)
    # When the first attempt to send began: a retry looks for the post on the Page from then on.
    publish_started_at = models.DateTimeField(null=True, blank=True)
    # A worker owns the item while it sends; the claim of a worker that died runs out.
    publish_claimed_until = models.DateTimeField(null=True, blank=True)
    # The post on the platform, where its comments gather in the inbox.
    post = models.OneToOneField(
        "conversations.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="content_item",
        verbose_name=_("post on the platform"),
    )

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        ordering = ["scheduled_at", "university__name", "pk"]
        constraints = [
            # Rendering a template again updates each campus's item instead of adding one.
            models.UniqueConstraint(
                fields=["template", "university"],
                condition=models.Q(template__isnull=False),
                name="content_item_one_per_template_campus",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(scheduled_at__isnull=False),
                name="content_item_scheduled_has_a_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="content_item_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status not in (self.Status.PUBLISHED, self.Status.SCHEDULED)


class ContentHistory(models.Model):
    """Who did what to a content item, and when; `changes` maps a field to [before, after]."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("content history")
        verbose_name_plural = _("content history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Ally(TimeStampedModel):
    """An organisation, campus group or newspaper whose published content we may share."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        CAMPUS_GROUP = "campus_group", _("Campus group")
        NEWSPAPER = "newspaper", _("Student newspaper")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORGANISATION)
    group = models.ForeignKey(
        "campuses.CampusGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    newspaper = models.ForeignKey(
        "campuses.StudentNewspaper", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    feed_url = models.URLField(_("RSS or Atom feed"), max_length=500, blank=True)
    # Conditional requests: the feed's validators from the last successful fetch.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    fetch_error = models.CharField(_("last fetch error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("ally")
        verbose_name_plural = _("allies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AllyItem(models.Model):
    ally = models.ForeignKey(Ally, on_delete=models.CASCADE, related_name="items")
    guid = models.CharField(max_length=500)
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ally's item")
        verbose_name_plural = _("allies' items")
        ordering = ["-published_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["ally", "guid"], name="ally_item_unique")]

    def __str__(self) -> str:
        return self.title[:80]
