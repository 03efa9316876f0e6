"""directory_import: one file in, all rows or none, with a record of the run."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.campuses.imports import sources
from campusvoice.campuses.imports.errors import DirectoryImportError, ErrorList, file_error
from campusvoice.campuses.imports.mapped import mapped_records
from campusvoice.campuses.imports.reading import table_open
from campusvoice.campuses.imports.writing import DirectoryWriter
from campusvoice.campuses.models import ImportRun

logger = logging.getLogger(__name__)

IMPORT_KINDS: dict[str, str] = {
    "ipeds": gettext_lazy("IPEDS directory of US institutions (HD2020 CSV)"),
    "hifld": gettext_lazy("HIFLD colleges and universities: coordinates and enrollment (CSV)"),
    "clery": gettext_lazy("Clery Act statistics: on-campus crime, on-campus VAWA or residence-hall crime"),
    "mur": gettext_lazy("Italian universities: MUR “Atenei” list (CSV)"),
    "csv": gettext_lazy("Another CSV or XLSX file, with its columns mapped to university fields"),
}
READERS = {
    "ipeds": sources.ipeds_records,
    "hifld": sources.hifld_records,
    "clery": sources.clery_records,
    "mur": sources.mur_records,
}
# The real sources in shared/data, in the order `campuses import-all` runs them. Any order
# gives the same result; this one fills most fields from the first file.
SHARED_DATA_FILES = (
    ("ipeds", "us_ipeds_hd2020/hd2020.csv"),
    ("hifld", "us_hifld_colleges/Colleges_and_Universities.csv"),
    ("clery", "us_clery_oncampus_2020_2022/oncampus_crime_2020_2022.csv"),
    ("clery", "us_clery_oncampus_2020_2022/oncampus_vawa_2020_2022.csv"),
    ("clery", "us_clery_oncampus_2020_2022/residencehall_crime_2020_2022.csv"),
    ("mur", "it_mur_atenei/atenei.csv"),
)


@dataclass
class ImportReport:
    kind: str
    file_name: str
    created: int
    updated: int
    unchanged: int
    skipped: int
    dry_run: bool

    def __str__(self) -> str:
        summary = _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d skipped"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }
        return summary + (_(" (dry run: nothing was saved)") if self.dry_run else "")


def directory_import(
    *,
    kind: str,
    path: Path,
    dry_run: bool = False,
    by=None,
    progress: Callable | None = None,
    mapping: dict[str, str] | None = None,
    file_name: str | None = None,
) -> ImportReport:
    """Import one directory file of `kind` in one transaction: every row, or nothing at all.

    Upserts universities by external id (IPEDS UNITID, MUR code; name and country for "csv"),
    so a second run reports everything unchanged. A real run leaves an ImportRun and an audit
    event, whether it succeeded or not. `progress(iterable, total=, desc=, unit=)` wraps the
    rows (tqdm fits). Raises DirectoryImportError naming file, line and column of each problem.
    """
    path = Path(path)
    file_name = file_name or path.name
    if kind not in IMPORT_KINDS:
        file_error(
            file_name,
            _("kind"),
            _("Unknown kind “%(kind)s”; choose from %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(IMPORT_KINDS)},
        )
    member = by if by is not None and getattr(by, "pk", None) else None
    run = None if dry_run else ImportRun.objects.create(kind=kind, file_name=file_name[:255], by=member)
    try:
        with transaction.atomic():
            report = _import(
                kind=kind, path=path, file_name=file_name, dry_run=dry_run, progress=progress, mapping=mapping
            )
            if run is not None:
                run.succeeded = True
                _run_finish(run, report=report, by=member)
    except Exception as exc:
        if run is not None:
            run.error = _failure_text(exc)
            _run_finish(run, report=None, by=member)
        raise
    return report


def directory_upload_check(*, file_name: str, size: int) -> None:
    """Refuse a web upload above CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB (the command line has no limit)."""
    limit = settings.CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB
    if size > limit * 1024 * 1024:
        file_error(
            file_name,
            _("file"),
            _(
                "The file is larger than %(limit)d MB, the most the web page accepts. Import it with: "
                "campusvoice campuses import KIND FILE"
            )
            % {"limit": limit},
        )


def _import(*, kind, path, file_name, dry_run, progress, mapping) -> ImportReport:
    errors = ErrorList(file_name)
    writer = DirectoryWriter(errors=errors, dry_run=dry_run)
    with table_open(path=path, file_name=file_name, errors=errors) as table:
        rows = table.rows
        if progress is not None:
            rows = progress(rows, total=table.approx_rows, desc=file_name, unit=" rows")
        if kind == "csv":
            records = mapped_records(table, rows, errors, file_name=file_name, mapping=mapping)
        else:
            records = READERS[kind](table, rows, errors, file_name=file_name)
        writer.write(records)
    errors.raise_if_any()
    counts = writer.counts
    return ImportReport(
        kind=kind,
        file_name=file_name,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        skipped=counts.skipped,
        dry_run=dry_run,
    )


def _run_finish(run: ImportRun, *, report: ImportReport | None, by) -> None:
    if report is not None:
        run.created, run.updated, run.unchanged, run.skipped = (
            report.created,
            report.updated,
            report.unchanged,
            report.skipped,
        )
    run.finished_at = timezone.now()
    run.save()
    detail = {
        "kind": run.kind,
        "succeeded": run.succeeded,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "skipped": run.skipped,
    }
    audit_record(
        actor=by,
        action=AuditEvent.Action.IMPORT,
        object_type="campus_import",
        object_id=run.pk,
        detail=detail,
    )
    # Ids and counts only: file names and cells may carry personal data.
    logger.info("campus import run=%s kind=%s %s", run.pk, run.kind, detail)


def _failure_text(exc: Exception) -> str:
    if isinstance(exc, DirectoryImportError):
        lines = [exc.message, *(str(error) for error in exc.errors)]
        if exc.total > len(exc.errors):
            lines.append(_("… and %(count)d more.") % {"count": exc.total - len(exc.errors)})
        return "\n".join(lines)
    return _("The import stopped on an unexpected error (%(error)s).") % {"error": type(exc).__name__}
