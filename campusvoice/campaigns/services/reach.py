"""Importing Ads Manager and Page insights exports (CSV or XLSX) into ReachSnapshot.

Columns are matched by header through an alias table in English and Italian (Meta names them in
the exporter's UI language). The export's date range and level are recorded on every row; numbers
are stored as decimals whatever the locale wrote them in. An ad-set row is a campus: its name is
matched to a target campus by name, short name or code, or through a mapping the organiser
confirmed. All rows or none; errors name the file, line and field. Importing the same file twice
changes nothing (the snapshot's unique constraint: level, source, id, name, range).
"""

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns import selectors
from campusvoice.campaigns.models import Campaign, ContentItem, ReachSnapshot

# field → header aliases, lower-cased; "amount spent (eur)" and friends are matched by prefix.
ALIASES: dict[str, tuple[str, ...]] = {
    "date_start": ("reporting starts", "inizio report", "inizio dei report", "data di inizio del report"),
    "date_stop": ("reporting ends", "fine report", "fine dei report", "data di fine del report"),
    "campaign_name": ("campaign name", "nome della campagna"),
    "ad_set_name": ("ad set name", "nome del gruppo di inserzioni", "nome gruppo di inserzioni"),
    "ad_set_id": ("ad set id", "id del gruppo di inserzioni"),
    "ad_name": ("ad name", "nome dell'inserzione", "nome inserzione"),
    "post_id": ("post id", "id del post", "id post"),
    "post_message": ("post message", "message", "title", "messaggio del post", "titolo"),
    "publish_time": ("publish time", "posted", "orario di pubblicazione", "data di pubblicazione"),
    "reach": ("reach", "copertura", "post reach", "copertura del post"),
    "impressions": ("impressions", "impressioni", "visualizzazioni"),
    "frequency": ("frequency", "frequenza"),
    "spend": ("amount spent", "importo speso"),
    "clicks": ("link clicks", "clic sul link", "clicks (all)", "clic (tutti)"),
    "reactions": ("reactions", "reazioni"),
    "comments": ("comments", "commenti"),
    "shares": ("shares", "condivisioni"),
}
ITALIAN_HINTS = ("copertura", "impressioni", "inizio", "nome", "importo", "frequenza", "reazioni", "commenti")
INTEGER_FIELDS = ("reach", "impressions", "clicks", "reactions", "comments", "shares")


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.field}: {self.message}"


class ReachImportError(Exception):
    """The file was not imported; `errors` lists each line and field, `unmatched` the ad sets with no campus."""

    def __init__(self, file_name: str, errors: list[RowError], unmatched: list[str] | None = None):
        self.file_name, self.errors, self.unmatched = file_name, errors, unmatched or []
        super().__init__("; ".join(f"{file_name}:{e}" for e in errors[:20]))


@dataclass
class ReachImportReport:
    level: str
    source: str
    date_start: dt.date | None = None
    date_stop: dt.date | None = None
    created: int = 0
    updated: int = 0
    rows: list[ReachSnapshot] = field(default_factory=list)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def _read(path: Path) -> list[list]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _columns(header: list) -> tuple[dict[str, int], bool]:
    columns, italian = {}, False
    for index, title in enumerate(header):
        name = str(title or "").strip().casefold()
        italian = italian or any(hint in name for hint in ITALIAN_HINTS)
        for field_name, aliases in ALIASES.items():
            if field_name in columns:
                continue
            if name in aliases or (field_name == "spend" and any(name.startswith(a) for a in aliases)):
                columns[field_name] = index
    return columns, italian


def parse_decimal(value, *, comma_decimal: bool) -> Decimal | None:
    """'1.234,5' (Italian), '1,234.5' (English), 1234.5 (a spreadsheet number) → Decimal."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("%", "")
    text = re.sub(r"^(?:[€$£]|[A-Z]{3})|(?:[€$£]|[A-Z]{3})$", "", text)  # a currency sign or code
    if text in ("", "-", "—"):
        return None
    if not re.fullmatch(r"-?[\d.,]+", text):
        raise ValueError(value)
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_mark = "," if comma_decimal or not re.fullmatch(r"-?\d{1,3}(,\d{3})+", text) else "."
    elif "." in text and comma_decimal and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        decimal_mark = ","
    else:
        decimal_mark = "."
    thousands = "." if decimal_mark == "," else ","
    text = text.replace(thousands, "").replace(decimal_mark, ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None


def parse_date(value, *, day_first: bool) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    if not match:
        raise ValueError(value)
    a, b, year = (int(g) for g in match.groups())
    day, month = (a, b) if day_first else (b, a)
    return dt.date(year, month, day)


def campus_match(*, name: str, universities: list) -> object | None:
    """The one campus whose name, short name or code appears in an ad set's name; None if unsure."""
    folded = f" {_fold(name)} "
    best, best_length, tie = None, 0, False
    for university in universities:
        for candidate in (university.name, university.short_name, selectors.campus_code(university)):
            key = _fold(candidate or "")
            if len(key) < 3 or f" {key} " not in folded:
                continue
            if len(key) > best_length:
                best, best_length, tie = university, len(key), False
            elif len(key) == best_length and best is not None and best.pk != university.pk:
                tie = True
    return None if tie else best


def reach_import(
    *,
    campaign: Campaign,
    path: Path,
    by: User | None,
    mapping: dict[str, int] | None = None,
    file_name: str = "",
) -> ReachImportReport:
    """Import one export file into ReachSnapshot for this campaign; all rows or none.

    `mapping` maps an ad set's name to a campus id, for names the automatic match missed.
    Raises ReachImportError with each line and field (and the unmatched ad set names).
    """
    path = Path(path)
    file_name = file_name or path.name
    mapping = mapping or {}
    try:
        rows = _read(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same error to the organiser
        raise ReachImportError(
            file_name, [RowError(1, "file", _("The file could not be read as CSV or XLSX."))]
        ) from exc
    if not rows:
        raise ReachImportError(file_name, [RowError(1, "file", _("The file is empty."))])
    columns, italian = _columns(rows[0])
    # "Amount spent (EUR)": the export names its currency in the header.
    found = re.search(r"\(([A-Z]{3})\)", str(rows[0][columns["spend"]])) if "spend" in columns else None
    currency = found.group(1) if found else ""
    if "post_id" in columns:
        level, source = ReachSnapshot.Level.POST, ReachSnapshot.Source.PAGE_EXPORT
    elif "ad_name" in columns:
        raise ReachImportError(
            file_name, [RowError(1, "Ad name", _("Export at ad set level (one row per campus), not per ad."))]
        )
    elif "ad_set_name" in columns:
        level, source = ReachSnapshot.Level.AD_SET, ReachSnapshot.Source.ADS_EXPORT
    elif "campaign_name" in columns:
        level, source = ReachSnapshot.Level.CAMPAIGN, ReachSnapshot.Source.ADS_EXPORT
    else:
        raise ReachImportError(
            file_name,
            [RowError(1, "header", _("No campaign, ad set or post column: is this a Meta export?"))],
        )
    if "reach" not in columns:
        raise ReachImportError(file_name, [RowError(1, "header", _("No Reach (Copertura) column."))])
    if source == ReachSnapshot.Source.ADS_EXPORT and not {"date_start", "date_stop"} <= columns.keys():
        raise ReachImportError(
            file_name, [RowError(1, "header", _("No Reporting starts / Reporting ends columns."))]
        )

    universities = list(campaign.universities.all())
    by_id = {u.pk: u for u in campaign.universities.all()}
    post_model = apps.get_model("conversations", "Post")
    report = ReachImportReport(level=level, source=source)
    errors: list[RowError] = []
    unmatched: list[str] = []
    header = rows[0]

    def cell(row, name):
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    with transaction.atomic():
        for line, row in enumerate(rows[1:], start=2):
            if not any(v not in (None, "") for v in row):
                continue
            name_field = {"post": "post_id", "ad_set": "ad_set_name", "campaign": "campaign_name"}[level]
            name = str(cell(row, name_field) or "").strip()
            if not name:
                continue  # Ads Manager's total row has no name
            values, row_errors = {}, []
            for field_name in (*INTEGER_FIELDS, "frequency", "spend"):
                try:
                    values[field_name] = parse_decimal(cell(row, field_name), comma_decimal=italian)
                except ValueError:
                    row_errors.append(RowError(line, str(header[columns[field_name]]), _("not a number")))
            for field_name in INTEGER_FIELDS:
                number = values.get(field_name)
                if number is not None:
                    if number < 0 or number != number.to_integral_value():
                        row_errors.append(
                            RowError(line, str(header[columns[field_name]]), _("not a whole number"))
                        )
                    else:
                        values[field_name] = int(number)
            try:
                start = parse_date(cell(row, "date_start") or cell(row, "publish_time"), day_first=italian)
                stop = parse_date(cell(row, "date_stop"), day_first=italian) or start
            except ValueError:
                row_errors.append(RowError(line, "date", _("not a date (use YYYY-MM-DD)")))
                start = stop = None
            if not row_errors and (start is None or stop is None):
                row_errors.append(RowError(line, "date", _("missing")))
            university, post = None, None
            if level == ReachSnapshot.Level.AD_SET:
                university = (
                    by_id.get(mapping.get(name))
                    if name in mapping
                    else campus_match(name=name, universities=universities)
                )
                if university is None:
                    if name not in unmatched:
                        unmatched.append(name)
                    row_errors.append(
                        RowError(
                            line,
                            str(header[columns["ad_set_name"]]),
                            _("no campus matches %(name)s") % {"name": name},
                        )
                    )
            elif level == ReachSnapshot.Level.POST:
                item = ContentItem.objects.filter(platform_id=name).select_related("university").first()
                university = item.university if item else None
                post = post_model.objects.filter(platform_id=name).first()
            if row_errors:
                errors.extend(row_errors)
                continue
            reach, impressions = values["reach"], values["impressions"]
            frequency = values["frequency"]
            if frequency is None and reach and impressions is not None:
                frequency = (Decimal(impressions) / Decimal(reach)).quantize(Decimal("0.0001"))
            snapshot = ReachSnapshot.objects.filter(
                level=level,
                source=source,
                platform_id=str(cell(row, "ad_set_id") or (name if level == "post" else "") or ""),
                name="" if level == "post" else name,
                date_start=start,
                date_stop=stop,
            ).first()
            is_new = snapshot is None
            snapshot = snapshot or ReachSnapshot(
                level=level,
                source=source,
                platform_id=str(cell(row, "ad_set_id") or (name if level == "post" else "") or ""),
                name="" if level == "post" else name,
                date_start=start,
                date_stop=stop,
            )
            snapshot.campaign, snapshot.university, snapshot.post = campaign, university, post
            snapshot.is_organic = level == ReachSnapshot.Level.POST
            snapshot.reach, snapshot.impressions, snapshot.frequency = reach, impressions, frequency
            snapshot.spend = values["spend"]
            snapshot.currency = (currency or campaign.currency) if values["spend"] is not None else ""
            for field_name in ("clicks", "reactions", "comments", "shares"):
                setattr(snapshot, field_name, values[field_name])
            try:
                snapshot.full_clean()
            except ValidationError as exc:
                errors.extend(RowError(line, f, "; ".join(m)) for f, m in exc.message_dict.items())
                continue
            snapshot.save()
            report.rows.append(snapshot)
            report.created += is_new
            report.updated += not is_new
            report.date_start = min(filter(None, [report.date_start, start]))
            report.date_stop = max(filter(None, [report.date_stop, stop]))
        if errors:
            raise ReachImportError(file_name, errors, unmatched)
        audit_record(
            actor=by,
            action=AuditEvent.Action.IMPORT,
            object_type="campaign",
            object_id=campaign.pk,
            summary=f"reach import {level}",
            detail={"created": report.created, "updated": report.updated, "file": file_name[:100]},
        )
    return report
