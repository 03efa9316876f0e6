from django.core.management.base import BaseCommand, CommandError

from campusvoice.conversations.classifier.cli import (
    CliError,
    eval_add_arguments,
    eval_run,
    train_add_arguments,
    train_run,
)
from campusvoice.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Train, evaluate, retrain with moderator labels, or restore a triage model version. "
        "train and eval touch no database. Examples: campusvoice classifier eval --baseline; "
        "campusvoice classifier train --without ami2020_it; campusvoice classifier retrain; "
        "campusvoice classifier status; campusvoice classifier restore 1.1.0"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train_add_arguments(sub.add_parser("train", help="train a model version from the datasets"))
        eval_add_arguments(
            sub.add_parser("eval", help="validation precision, recall and F1 per label and language")
        )
        retrain = sub.add_parser(
            "retrain",
            help="train a candidate with the moderator labels and promote it if no label's F1 drops over a point",
        )
        retrain.add_argument("--force", action="store_true", help="train even without new moderator labels")
        retrain.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the classifier_retrain task instead of running it here",
        )
        restore = sub.add_parser("restore", help="make an earlier version serve again and re-score comments")
        restore.add_argument("restore_version", metavar="VERSION", help="a shipped or promoted version")
        sub.add_parser("status", help="the serving version and every retraining's decision")

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
                    jobs=options["jobs"],
                )
            elif action == "eval":
                eval_run(version=options["version"], baseline=options["baseline"], echo=self.stdout.write)
            elif action == "retrain":
                self._retrain(force=options["force"], enqueue=options["enqueue"])
            elif action == "restore":
                from campusvoice.conversations.services.retraining import classifier_restore

                row = classifier_restore(version=options["restore_version"])
                self.stdout.write(
                    self.style.SUCCESS(f"{row.version} now serves; comments are being re-scored")
                )
            else:
                self._status()
        except (CliError, ApplicationError) as exc:
            raise CommandError(str(exc)) from exc

    def _retrain(self, *, force: bool, enqueue: bool) -> None:
        from campusvoice.conversations import tasks
        from campusvoice.conversations.services.retraining import classifier_retrain

        if enqueue:
            tasks.classifier_retrain.enqueue()
            self.stdout.write("classifier_retrain queued; `campusvoice classifier status` shows its decision")
            return
        result = classifier_retrain(force=force, log=self.stdout.write)
        if result.version is not None and result.version.comparison:
            old_name, new_name = result.version.compared_with, result.version.version
            self.stdout.write(f"{'label':<11} {old_name:>14} {new_name:>14}  (validation F1, same rows)")
            for label, (old, new) in result.version.comparison.items():
                self.stdout.write(f"{label:<11} {old:>14.3f} {new:>14.3f}")
        self.stdout.write(result.message)

    def _status(self) -> None:
        from campusvoice.conversations.models import TriageModelVersion
        from campusvoice.conversations.services.retraining import classifier_active_version

        self.stdout.write(f"serving: {classifier_active_version() or 'no model installed'}")
        for row in TriageModelVersion.objects.all()[:20]:
            active = " (active)" if row.is_active else ""
            self.stdout.write(
                f"{row.created_at:%Y-%m-%d %H:%M} {row.version:<14} {row.decision:<9} "
                f"compared with {row.compared_with or '-'}, {row.moderator_labels} moderator labels{active}"
            )
