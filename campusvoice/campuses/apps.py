from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampusesConfig(AppConfig):
    name = "campusvoice.campuses"
    verbose_name = _("Campus directory")
