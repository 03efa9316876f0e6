"""`campusvoice campuses import KIND FILE` and `campusvoice campuses import-all`: the directory on the command line."""

import argparse
import sys
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter
from django.utils.translation import gettext as _
from tqdm import tqdm

from campusvoice.campuses.imports import (
    IMPORT_KINDS,
    SHARED_DATA_FILES,
    DirectoryImportError,
    ImportReport,
    directory_import,
)

EXAMPLES = """
examples:
  campusvoice campuses import ipeds ../shared/data/us_ipeds_hd2020/hd2020.csv
  campusvoice campuses import clery Oncampusvawa202122.csv --dry-run
  campusvoice campuses import csv partners.xlsx --map "Ateneo=name" --map "Paese=country" --map "Sito=website"
  campusvoice campuses import-all --data-dir ../shared/data
"""


class Command(BaseCommand):
    help = (
        "Import the campus directory: IPEDS, HIFLD, Clery Act statistics, MUR atenei or a mapped "
        "CSV/XLSX. Each file is imported whole or not at all; running it again changes nothing."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, epilog=EXAMPLES, **kwargs)
        parser.formatter_class = _RawEpilog
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,import-all}")
        one = actions.add_parser(
            "import",
            help="import one file",
            description="Import one directory file: all rows or none.",
            epilog=EXAMPLES,
            formatter_class=_RawEpilog,
        )
        one.add_argument(
            "kind",
            choices=list(IMPORT_KINDS),
            help="; ".join(f"{k}: {label}" for k, label in IMPORT_KINDS.items()),
        )
        one.add_argument("file", type=Path, help="CSV (UTF-8 or Windows-1252) or XLSX file")
        one.add_argument("--dry-run", action="store_true", help="check the file and count, save nothing")
        one.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="for kind csv: read COLUMN into the university FIELD (repeat for each column)",
        )
        every = actions.add_parser(
            "import-all",
            help="import the real sources from the shared data folder",
            description="Import IPEDS, HIFLD, the three Clery files and MUR, in that order.",
            epilog=EXAMPLES,
            formatter_class=_RawEpilog,
        )
        every.add_argument("--data-dir", type=Path, default=None, help=f"default: {settings.SHARED_DATA_DIR}")
        every.add_argument("--dry-run", action="store_true", help="check the files and count, save nothing")

    def handle(self, *args, action: str, **options) -> None:
        if action == "import":
            mapping = self._mapping(options["map"])
            self._import(options["kind"], options["file"], dry_run=options["dry_run"], mapping=mapping)
            return
        data_dir = options["data_dir"] or settings.SHARED_DATA_DIR
        missing = [name for _kind, name in SHARED_DATA_FILES if not (data_dir / name).is_file()]
        if missing:
            raise CommandError(
                _("Not found in %(dir)s: %(files)s") % {"dir": data_dir, "files": ", ".join(missing)}
            )
        for kind, name in SHARED_DATA_FILES:
            self._import(kind, data_dir / name, dry_run=options["dry_run"], mapping=None)

    def _import(
        self, kind: str, path: Path, *, dry_run: bool, mapping: dict[str, str] | None
    ) -> ImportReport:
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": path})
        progress = partial(tqdm, file=sys.stderr, leave=False, disable=None)
        try:
            report = directory_import(
                kind=kind, path=path, dry_run=dry_run, progress=progress, mapping=mapping
            )
        except DirectoryImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            if exc.total > len(exc.errors):
                self.stderr.write(_("… and %(count)d more.") % {"count": exc.total - len(exc.errors)})
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {report}"))
        return report

    def _mapping(self, pairs: list[str]) -> dict[str, str] | None:
        mapping = {}
        for pair in pairs:
            column, equals, field = pair.rpartition("=")
            if not equals or not column.strip() or not field.strip():
                raise CommandError(_("--map takes COLUMN=FIELD, for example --map Ateneo=name."))
            mapping[column.strip()] = field.strip()
        return mapping or None


class _RawEpilog(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks."""
