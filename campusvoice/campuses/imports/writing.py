"""Upserting parsed records into University and IncidentStatistic, a batch at a time.

Sources own different fields, so the order of imports does not matter:

- `own` fields overwrite (IPEDS owns the name and address of a US institution);
- `fill` fields are set only where blank (HIFLD and Clery also carry a name and address);
- coordinates and enrollment go to the better source whatever came first: an organiser's
  figure beats IPEDS, IPEDS beats HIFLD, HIFLD beats the gazetteer or Clery.

A blank cell never erases a value. Universities are matched by external id, or by name and
country for the generic CSV.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.campuses.imports.errors import ErrorList
from campusvoice.campuses.imports.sql import rows_insert, rows_update
from campusvoice.campuses.models import IncidentStatistic, University

BATCH = 1000
HIFLD_ENROLLMENT = "HIFLD Colleges and Universities (IPEDS-based, 2020)"
CLERY_ENROLLMENT = "Clery Act Campus Safety and Security Survey 2023"
# Where a figure came from decides whether another source may replace it.
COORDINATE_RANK = {"": 0, "gazetteer": 1, "hifld": 2, "ipeds": 3}
ENROLLMENT_RANK = {"": 0, CLERY_ENROLLMENT: 1, HIFLD_ENROLLMENT: 2}
MANUAL_RANK = 9  # any other source: an organiser's own figure, which imports never overwrite

StatisticKey = tuple[int, str, str]  # year, category, location
STATISTIC_FIELDS = ("university", "year", "category", "location", "count", "source")


@dataclass
class Record:
    """What one source says about one university."""

    line: int
    key: tuple[str, Any]  # ("ipeds_unitid", "100654"), ("mur_code", "00101") or ("name", (name, country))
    own: dict[str, Any] = field(default_factory=dict)
    fill: dict[str, Any] = field(default_factory=dict)
    coordinates: tuple[Decimal, Decimal, str] | None = None
    enrollment: tuple[int, str] | None = None
    statistics: dict[StatisticKey, int] = field(default_factory=dict)
    statistics_source: str = ""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


class DirectoryWriter:
    """Writes batches of records; after the first error it only validates (the caller rolls back)."""

    def __init__(self, *, errors: ErrorList, dry_run: bool):
        self.errors = errors
        self.dry_run = dry_run
        self.counts = Counts()
        self._names: dict[tuple[str, str], list[int]] | None = None

    def write(self, records: Iterable[Record | None]) -> None:
        """Write every record; None stands for a row the source skipped on purpose."""
        batch: list[Record] = []
        for record in records:
            if record is None:
                self.counts.skipped += 1
                continue
            batch.append(record)
            if len(batch) >= BATCH:
                self._write_batch(batch)
                batch = []
        if batch:
            self._write_batch(batch)

    def _write_batch(self, records: list[Record]) -> None:
        now = timezone.now()
        existing = self._existing(records)
        created: list[tuple[Record, University]] = []
        matched: list[tuple[Record, University]] = []
        # Rows to update, grouped by the fields that changed: one executemany per group.
        updates: dict[tuple[str, ...], list[tuple]] = {}
        for record in records:
            university = existing.get(record.key)
            if university is None:
                university = University()
                if record.key[0] != "name":
                    setattr(university, record.key[0], record.key[1])
                _apply(university, record)
                if not university.name or not university.country:
                    self.errors.add(
                        line=record.line,
                        field="name" if not university.name else "country",
                        message=_("Needed to add a university that is not in the directory yet."),
                    )
                    continue
                created.append((record, university))
                continue
            changes = _apply(university, record)
            if changes:
                university.updated_at = now
                names = (*sorted(changes), "updated_at")
                updates.setdefault(names, []).append(
                    (*(getattr(university, n) for n in names), university.pk)
                )
            matched.append((record, university))
        write = not (self.errors or self.dry_run)
        if write:
            _universities_insert(created, now=now)
            for names, rows in updates.items():
                rows_update(University, names, rows)
        touched = self._statistics_upsert(matched + created if write else matched, write=write)
        self.counts.created += len(created)
        updated = {row[-1] for rows in updates.values() for row in rows} | touched
        for _record, university in matched:
            if university.pk in updated:
                self.counts.updated += 1
            else:
                self.counts.unchanged += 1

    def _statistics_upsert(self, pairs: list[tuple[Record, University]], *, write: bool) -> set[int]:
        """Add and change statistics (if `write`); return the ids of universities whose figures change."""
        pairs = [(record, university) for record, university in pairs if record.statistics]
        known = [university.pk for _record, university in pairs if university.pk]
        locations = {location for record, _u in pairs for _year, _category, location in record.statistics}
        current = {
            (university_id, year, category, location): (pk, count, source)
            for pk, university_id, year, category, location, count, source in IncidentStatistic.objects.filter(
                university_id__in=known, location__in=locations
            ).values_list("pk", "university_id", "year", "category", "location", "count", "source")
        }
        to_insert, to_update, touched = [], [], set()
        for record, university in pairs:
            source = record.statistics_source
            for (year, category, location), count in record.statistics.items():
                held = current.get((university.pk, year, category, location))
                if held is None:
                    to_insert.append((university.pk, year, category, location, count, source))
                    touched.add(university.pk)
                elif held[1:] != (count, source):
                    to_update.append((count, source, held[0]))
                    touched.add(university.pk)
        if write:
            rows_insert(IncidentStatistic, STATISTIC_FIELDS, to_insert)
            rows_update(IncidentStatistic, ("count", "source"), to_update)
        return touched

    def _existing(self, records: list[Record]) -> dict[tuple[str, Any], University]:
        by_kind: dict[str, set] = {}
        for record in records:
            by_kind.setdefault(record.key[0], set()).add(record.key[1])
        found: dict[tuple[str, Any], University] = {}
        for kind in ("ipeds_unitid", "mur_code"):
            if by_kind.get(kind):
                for university in University.objects.filter(**{f"{kind}__in": by_kind[kind]}):
                    found[(kind, getattr(university, kind))] = university
        if by_kind.get("name"):
            names = self._name_index()
            wanted = {names[key][0]: key for key in by_kind["name"] if len(names.get(key, ())) == 1}
            for university in University.objects.filter(pk__in=wanted):
                found[("name", wanted[university.pk])] = university
            for record in records:
                if record.key[0] == "name" and len(names.get(record.key[1], ())) > 1:
                    self.errors.add(
                        line=record.line,
                        field="name",
                        message=_(
                            "Several universities in this country have this name: add ipeds_unitid or mur_code."
                        ),
                    )
        return found

    def _name_index(self) -> dict[tuple[str, str], list[int]]:
        # Case-insensitive in Python: SQLite's LOWER() only folds ASCII.
        if self._names is None:
            self._names = {}
            for pk, name, country in University.objects.values_list("pk", "name", "country"):
                self._names.setdefault(name_key(name, country), []).append(pk)
        return self._names


def _universities_insert(created: list[tuple[Record, University]], *, now) -> None:
    """INSERT the new universities, then read back the ids of those that carry statistics."""
    fields = [field.name for field in University._meta.concrete_fields if not field.primary_key]
    for _record, university in created:
        university.created_at = university.updated_at = now
    rows_insert(University, fields, [[getattr(u, name) for name in fields] for _r, u in created])
    with_statistics = [(record.key, university) for record, university in created if record.statistics]
    for kind in ("ipeds_unitid", "mur_code"):
        wanted = {key[1]: university for key, university in with_statistics if key[0] == kind}
        if wanted:
            for value, pk in University.objects.filter(**{f"{kind}__in": wanted}).values_list(kind, "pk"):
                wanted[value].pk = pk


def name_key(name: str, country: str) -> tuple[str, str]:
    return " ".join(name.casefold().split()), country.upper()


def _apply(university: University, record: Record) -> set[str]:
    """Merge the record into the university; return the names of the fields that changed."""
    changes: set[str] = set()

    def put(name: str, value: Any) -> None:
        if getattr(university, name) != value:
            setattr(university, name, value)
            changes.add(name)

    for name, value in record.own.items():
        if value not in (None, ""):
            put(name, value)
    for name, value in record.fill.items():
        if value not in (None, "") and getattr(university, name) in (None, ""):
            put(name, value)
    if record.coordinates:
        latitude, longitude, source = record.coordinates
        held = university.coordinates_source if university.latitude is not None else ""
        if COORDINATE_RANK.get(source, MANUAL_RANK) >= COORDINATE_RANK.get(held, MANUAL_RANK):
            put("latitude", latitude)
            put("longitude", longitude)
            put("coordinates_source", source)
    if record.enrollment:
        total, source = record.enrollment
        held = university.enrollment_source if university.enrollment_total is not None else ""
        if ENROLLMENT_RANK.get(source, MANUAL_RANK) >= ENROLLMENT_RANK.get(held, MANUAL_RANK):
            put("enrollment_total", total)
            put("enrollment_source", source)
    return changes
