"""API tokens: one per integration, owned by a member and acting with that member's role.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is made. A revoked
token stays (revoked_at set) so that the audit log's references keep meaning something.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel


class ApiToken(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses it, e.g. “newsletter sync”."))
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters, so a member can tell tokens apart; too few to guess the rest.
    prefix = models.CharField(_("starts with"), max_length=12)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"api token {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
