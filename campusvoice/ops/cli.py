"""What our management commands share: help text that keeps its examples one per line."""

from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, DjangoHelpFormatter


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    pass


class ExamplesCommand(BaseCommand):
    """A BaseCommand whose `help` is printed as written, so its examples stay one per line."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        return parser
