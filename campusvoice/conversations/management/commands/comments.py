"""`campusvoice comments import FILE` and `campusvoice comments retriage`."""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from campusvoice.conversations.models import Channel
from campusvoice.conversations.services.ingestion import CommentImportError, comments_import_file
from campusvoice.errors import ApplicationError

EPILOG = """examples:
  campusvoice comments import comments.csv
  campusvoice comments import export.jsonl --channel "Consent Week Page" --dry-run
  campusvoice comments retriage            # re-score every comment after a model change
  campusvoice comments retriage --now      # ... in this process instead of the worker

CSV columns: id, post_id, created_time, message (or text); optional parent_id, author_id,
author_name, like_count, edited_time, is_hidden, campaign (slug), campus (IPEDS UNITID or MUR
code). Times are ISO 8601 or Graph's 2026-10-01T10:00:00+0000.
JSONL: one Graph comment per line: {"id", "message", "created_time", "from": {"id", "name"},
"parent": {"id"}, "post_id"}.
"""


class Command(BaseCommand):
    help = "Import comments from a CSV or JSONL file (all rows or none), or re-score comments."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EPILOG
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importer = actions.add_parser(
            "import",
            help="Import a CSV or JSONL file of comments; any bad line stops the import and changes nothing.",
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        importer.add_argument("file", type=Path)
        importer.add_argument(
            "--channel",
            help='Name of the channel to import into (default: "Imported comments"; created if new).',
        )
        importer.add_argument("--dry-run", action="store_true", help="Check and count, then change nothing.")
        retriage = actions.add_parser("retriage", help="Re-score all comments with the newest triage model.")
        retriage.add_argument(
            "--now", action="store_true", help="Run here instead of queuing a background task."
        )

    def handle(self, *args, action: str, **options):
        if action == "import":
            self._import(options["file"], channel_name=options.get("channel"), dry_run=options["dry_run"])
        else:
            self._retriage(now=options["now"])

    def _import(self, path: Path, *, channel_name: str | None, dry_run: bool) -> None:
        channel = None
        if channel_name:
            channel = Channel.objects.filter(name=channel_name).first()
            if channel is None:
                channel, _created = Channel.objects.get_or_create(
                    kind=Channel.Kind.IMPORT,
                    platform_id=f"import:{channel_name}"[:64],
                    defaults={"name": channel_name},
                )

        def progress(iterable, **kwargs):
            return tqdm(iterable, disable=None, file=self.stderr._out, **kwargs)

        try:
            report = comments_import_file(path=path, channel=channel, dry_run=dry_run, progress=progress)
        except CommentImportError as exc:
            raise CommandError(str(exc)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        summary = _("%(rows)s rows: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        if report.skipped:
            # Comments of erased people (tombstones): counted, never named.
            summary += " " + _("(%(skipped)s skipped: erased authors)") % {"skipped": report.skipped}
        if dry_run:
            summary += " " + _("(dry run: nothing was saved)")
        self.stdout.write(self.style.SUCCESS(summary))

    def _retriage(self, *, now: bool) -> None:
        from campusvoice.conversations import tasks
        from campusvoice.conversations.services.triage import comments_retriage

        try:
            if now:
                count = comments_retriage()
                self.stdout.write(self.style.SUCCESS(_("%(count)s comments re-scored.") % {"count": count}))
            else:
                tasks.comments_retriage.enqueue()
                self.stdout.write(self.style.SUCCESS(_("Re-scoring queued; the worker will run it.")))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
