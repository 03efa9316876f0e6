import errno
import sqlite3
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
        "Safe while campusvoice runs. The file holds personal data: only its owner may read it.\n"
        "With --encrypt-to it is an age file that only the matching private key opens.\n\n"
        "Examples:\n"
        "  campusvoice backup                                   ./campusvoice-backup-<date>-<time>.tar.gz\n"
        "  campusvoice backup --output /srv/backups/campusvoice-$(date +%F).tar.gz\n"
        "  campusvoice backup --encrypt-to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n"
        "                                                       ./campusvoice-backup-<date>-<time>.tar.gz.age\n"
        "  campusvoice restore --verify-only FILE               check a backup without restoring it"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive to write (default: in the current folder).")
        parser.add_argument(
            "--encrypt-to",
            action="append",
            default=[],
            metavar="RECIPIENT",
            help="Encrypt to this age public key (age1…, from age-keygen) or SSH public key; repeat for "
            "several. Keep the private key off this machine.",
        )

    def handle(self, *, output: Path | None, encrypt_to: list[str], **options):
        suffix = ".tar.gz.age" if encrypt_to else ".tar.gz"
        output = output or Path(f"campusvoice-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}{suffix}")
        show = options["verbosity"] > 0
        try:
            recipients = backup.backup_recipients_parse(encrypt_to)
            manifest = backup.backup_create(
                output=output, progress=tqdm if show else backup._NoProgress, recipients=recipients
            )
        except backup.BackupError as exc:
            raise CommandError(exc.message) from exc
        except (OSError, sqlite3.OperationalError) as exc:
            # A full disk: say so in one line (backup_create leaves no partial file behind).
            full = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in str(exc)
            if not full:
                raise
            raise CommandError(
                f"Not enough disk space to write {output}. Nothing was written: free some space or "
                "choose another --output folder."
            ) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output} ({manifest['engine']}, {len(manifest['tables'])} tables, {rows} rows, "
                f"{media} uploaded files{', encrypted' if recipients else ''})."
            )
        )
