from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "campusvoice.outreach"
    verbose_name = _("outreach")

    def ready(self):
        from campusvoice.outreach import receivers  # noqa: F401
