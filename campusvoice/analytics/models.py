"""Per-campus daily counts, rebuilt from the other apps' tables by services.analytics_refresh.

Analytics owns only these summary rows; it reads everyone else's tables and writes none of them.
Only counts that can be added up across days live here. Reach and distinct people cannot (the
same person is counted once per day), so they are read from their own tables at request time.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Time to first reply, as a histogram: (column, upper bound in minutes). The median shown on the
# dashboard is interpolated inside the bucket that holds it (selectors.median_from_histogram),
# because a median cannot be added up across days but a histogram can.
REPLY_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("reply_15m", 15),
    ("reply_1h", 60),
    ("reply_4h", 240),
    ("reply_12h", 720),
    ("reply_24h", 1440),
    ("reply_48h", 2880),
    ("reply_7d", 10080),
    ("reply_later", None),
)


class CampusCounts(models.Model):
    """The counts kept per campus and day (CampusDailyStats) and added up to a day (CampusRunningTotals)."""

    posts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    on_topic = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    questions_answered = models.PositiveIntegerField(default=0)
    disclosures = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    reply_15m = models.PositiveIntegerField(default=0)
    reply_1h = models.PositiveIntegerField(default=0)
    reply_4h = models.PositiveIntegerField(default=0)
    reply_12h = models.PositiveIntegerField(default=0)
    reply_24h = models.PositiveIntegerField(default=0)
    reply_48h = models.PositiveIntegerField(default=0)
    reply_7d = models.PositiveIntegerField(default=0)
    reply_later = models.PositiveIntegerField(default=0)
    new_people = models.PositiveIntegerField(default=0)
    signatures_confirmed = models.PositiveIntegerField(default=0)
    signatures_unconfirmed = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class CampusDailyStats(CampusCounts):
    """What happened on one campus, for one campaign (or none), on one day.

    Comment and post figures are filed under the post's campaign; people are not tied to a
    campaign, so new people are filed under campaign = NULL.
    """

    university = models.ForeignKey(
        "campuses.University", verbose_name=_("campus"), on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    refreshed_at = models.DateTimeField(_("refreshed"), auto_now=True)

    class Meta:
        verbose_name = _("campus daily figures")
        verbose_name_plural = _("campus daily figures")
        ordering = ["day", "university_id"]
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["university", "campaign", "day"],
                condition=Q(campaign__isnull=False),
                name="campus_daily_stats_unique",
            ),
            models.UniqueConstraint(
                fields=["university", "day"],
                condition=Q(campaign__isnull=True),
                name="campus_daily_stats_unique_no_campaign",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "day"], name="campus_daily_campaign_day_idx")]

    def __str__(self) -> str:
        return f"{self.university_id}/{self.campaign_id}/{self.day}"


class CampusLadderCount(models.Model):
    """How many people of a campus stand on each ladder step, as of the last refresh."""

    university = models.ForeignKey("campuses.University", on_delete=models.CASCADE, related_name="+")
    step = models.CharField(_("ladder step"), max_length=20)
    people = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(_("refreshed"), auto_now=True)

    class Meta:
        verbose_name = _("campus ladder count")
        verbose_name_plural = _("campus ladder counts")
        constraints = [
            models.UniqueConstraint(fields=["university", "step"], name="campus_ladder_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.university_id}/{self.step}: {self.people}"


class DailyTotals(models.Model):
    """Every campus together, per campaign (or none) and day: the dashboard's daily series.

    Sums of CampusDailyStats over all campuses, written by the same refresh, so the series reads
    one row a day rather than one per campus and day (36,000 rows for 200 campuses over 180
    days). Only counts that add up; never reach.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    posts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    on_topic = models.PositiveIntegerField(default=0)
    signatures_confirmed = models.PositiveIntegerField(default=0)
    new_people = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(_("refreshed"), auto_now=True)

    class Meta:
        verbose_name = _("daily totals")
        verbose_name_plural = _("daily totals")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day"], condition=Q(campaign__isnull=False), name="daily_totals_unique"
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(campaign__isnull=True), name="daily_totals_unique_no_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.day}"


class CampusRunningTotals(CampusCounts):
    """A campus's counts added up from its first day to `day`: any period's sum is two rows.

    One row wherever CampusDailyStats has one, for the same campus and campaign (or none), and
    rows with `every_campaign` that add up every campaign and none together (the "every
    campaign" view). The sum over the days a..b is the latest row on or before b less the latest
    row before a, whatever the period's length: the all-campus table reads 400 rows by index
    instead of adding up 36,000 daily rows per request. Written by the same refresh.
    """

    university = models.ForeignKey("campuses.University", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    every_campaign = models.BooleanField(default=False)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("campus running totals")
        verbose_name_plural = _("campus running totals")
        constraints = [
            # Also the indexes the "latest row on or before a day" lookups walk, newest first.
            models.UniqueConstraint(
                fields=["university", "campaign", "day"],
                condition=Q(campaign__isnull=False),
                name="campus_running_unique",
            ),
            models.UniqueConstraint(
                fields=["university", "every_campaign", "day"],
                condition=Q(campaign__isnull=True),
                name="campus_running_unique_no_campaign",
            ),
            models.CheckConstraint(
                condition=Q(every_campaign=False) | Q(campaign__isnull=True),
                name="campus_running_every_has_none",
            ),
        ]

    def __str__(self) -> str:
        scope = "every" if self.every_campaign else self.campaign_id
        return f"{self.university_id}/{scope}/{self.day}"
