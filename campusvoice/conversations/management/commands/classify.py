from django.core.management.base import BaseCommand, CommandError

from campusvoice.conversations.classifier.cli import CliError, classify_add_arguments, classify_run


class Command(BaseCommand):
    help = (
        "Classify comments from a CSV ('text' column, optional 'id') or JSONL file into a CSV of languages, "
        "labels and scores; touches no database. "
        "Example: campusvoice classify --in comments.jsonl --out triage.csv"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        classify_add_arguments(parser)

    def handle(self, *, in_path, out_path, version, quiet, **options):
        try:
            classify_run(
                in_path=in_path, out_path=out_path, version=version, quiet=quiet, echo=self.stderr.write
            )
        except CliError as exc:
            raise CommandError(str(exc)) from exc
