from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "campusvoice.ops"
    verbose_name = "Operations"
