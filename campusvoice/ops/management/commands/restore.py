import os
import sys
from pathlib import Path

from django.core.management.base import CommandError
from tqdm import tqdm

from campusvoice.ops import backup
from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    # The checks query the database, which on a new machine may not exist until the restore.
    requires_system_checks = []
    help = (
        "Restore a `campusvoice backup` archive: the database and the uploads in MEDIA_ROOT.\n"
        "Checks every checksum first, refuses a backup made by newer code, replaces the database in\n"
        "one transaction and compares every table with the manifest afterwards. Stop the app\n"
        "servers and workers first. A database that holds data is replaced only after you confirm\n"
        "(or with --yes).\n\n"
        "Examples:\n"
        "  campusvoice restore campusvoice-backup-20261127-020000.tar.gz\n"
        "  campusvoice restore --yes /srv/backups/campusvoice-2026-11-27.tar.gz   no question asked\n"
        "  campusvoice restore --verify-only FILE        check the archive, change nothing\n"
        "  campusvoice restore --identity key.txt campusvoice-2026-11-27.tar.gz.age   an encrypted backup"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup archive.")
        parser.add_argument(
            "--yes", action="store_true", help="Replace a database that holds data without asking."
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Check the archive's manifest and checksums; change nothing.",
        )
        parser.add_argument(
            "--identity",
            type=Path,
            default=os.environ.get("CAMPUSVOICE_BACKUP_IDENTITY_FILE") or None,
            metavar="FILE",
            help="The age identity file (AGE-SECRET-KEY-1…, from age-keygen) or SSH private key that "
            "opens an encrypted backup (default: $CAMPUSVOICE_BACKUP_IDENTITY_FILE).",
        )

    def handle(self, *, file: Path, yes: bool, verify_only: bool, identity: Path | None = None, **options):
        show = options["verbosity"] > 0
        interactive = sys.stdin.isatty() and not yes

        def confirm(description: str) -> bool:
            self.stdout.write(description)
            return input("Type 'replace' to go on: ").strip() == "replace"

        try:
            identities = backup.backup_identities_read(Path(identity)) if identity else None
            report = backup.backup_restore(
                path=file,
                replace=yes,
                confirm=confirm if interactive else None,
                verify_only=verify_only,
                progress=tqdm if show else backup._NoProgress,
                identities=identities,
            )
        except backup.BackupError as exc:
            raise CommandError(exc.message) from exc
        manifest = report.manifest
        rows = sum(table["rows"] for table in manifest["tables"].values())
        made = f"made {manifest['created_at']} by campusvoice {manifest['app_version']}"
        if verify_only:
            self.stdout.write(self.style.SUCCESS(f"{file} is intact ({made}; {rows} rows)."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {file} ({made}): {len(manifest['tables'])} tables, {rows} rows and "
                    f"{report.media_files} uploaded files, each checked against the manifest."
                )
            )
        if report.pending_migrations:
            self.stdout.write(
                f"The backup predates {len(report.pending_migrations)} migrations of this code: "
                "run `campusvoice migrate` before starting campusvoice."
            )
