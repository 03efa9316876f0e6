from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "campusvoice.accounts"
    verbose_name = _("People and roles")

    def ready(self):
        from campusvoice.accounts import receivers  # noqa: F401
