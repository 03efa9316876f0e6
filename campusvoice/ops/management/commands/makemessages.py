"""Django's makemessages, also extracting `t("…")`: the analytics tables call gettext through a
per-language cached helper named `t` (analytics/selectors.py), which xgettext would otherwise skip."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=t"]
