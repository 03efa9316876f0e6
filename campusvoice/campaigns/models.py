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
