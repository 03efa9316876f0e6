from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "campusvoice.demo"
    verbose_name = "Demo organisation"
