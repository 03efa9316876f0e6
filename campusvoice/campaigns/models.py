from django.conf import settings
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
            )
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
