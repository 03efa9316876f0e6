from django.core.management.base import BaseCommand, CommandError

from campusvoice.conversations.classifier.cli import (
    CliError,
    eval_add_arguments,
    eval_run,
    train_add_arguments,
    train_run,
)


class Command(BaseCommand):
    help = (
        "Train a new triage model version or print the shipped one's validation figures; touches no database. "
        "Examples: campusvoice classifier eval --baseline; campusvoice classifier train --without ami2020_it"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train_add_arguments(sub.add_parser("train", help="train a model version from the datasets"))
        eval_add_arguments(
            sub.add_parser("eval", help="validation precision, recall and F1 per label and language")
        )

    def handle(self, *, action, **options):
        try:
            if action == "train":
                train_run(
                    without=options["without"],
                    with_=options["with_"],
                    out=options["out"],
                    version=options["version"],
                    seed=options["seed"],
                    force=options["force"],
                    echo=self.stdout.write,
                )
            else:
                eval_run(version=options["version"], baseline=options["baseline"], echo=self.stdout.write)
        except CliError as exc:
            raise CommandError(str(exc)) from exc
