from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import CommandError
from tqdm import tqdm

from campusvoice.ops import backup
from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    # A backup must still work when a system check fails: that may be why you need one.
    requires_system_checks = []
    help = (
        "Write one archive with the database (pg_dump or SQLite's online backup), the uploads in\n"
        "MEDIA_ROOT and a manifest (app version, migrations, rows and a hash per table, checksums).\n"
        "Safe while campusvoice runs. The file holds personal data: only its owner may read it.\n\n"
        "Examples:\n"
        "  campusvoice backup                                   ./campusvoice-backup-<date>-<time>.tar.gz\n"
        "  campusvoice backup --output /srv/backups/campusvoice-$(date +%F).tar.gz\n"
        "  campusvoice restore --verify-only FILE               check a backup without restoring it"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive to write (default: in the current folder).")

    def handle(self, *, output: Path | None, **options):
        output = output or Path(f"campusvoice-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz")
        show = options["verbosity"] > 0
        try:
            manifest = backup.backup_create(output=output, progress=tqdm if show else backup._NoProgress)
        except backup.BackupError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output} ({manifest['engine']}, {len(manifest['tables'])} tables, {rows} rows, "
                f"{media} uploaded files)."
            )
        )
