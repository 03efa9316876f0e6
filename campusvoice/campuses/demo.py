"""Demo directory: twenty real universities from the real files, and real places to get help.

`campusvoice demo load` calls load(). Only the demo institutions' rows are copied out of the
shared/data files and imported through directory_import, so the figures are the sources'
own: Clery counts and HIFLD enrollment for the US, MUR data and gazetteer coordinates for Italy.
"""

import csv
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from campusvoice.campuses.imports import SHARED_DATA_FILES, directory_import
from campusvoice.campuses.imports.errors import ErrorList
from campusvoice.campuses.imports.reading import table_open
from campusvoice.campuses.models import SupportResource, University

# Well-known US campuses with non-trivial Clery counts for 2020-2022 (IPEDS UNITID).
DEMO_IPEDS = {
    "166027": "Harvard University",
    "166683": "Massachusetts Institute of Technology",
    "243744": "Stanford University",
    "110635": "University of California-Berkeley",
    "110662": "University of California-Los Angeles",
    "170976": "University of Michigan-Ann Arbor",
    "204796": "Ohio State University-Main Campus",
    "214777": "Pennsylvania State University-Main Campus",
    "228778": "The University of Texas at Austin",
    "193900": "New York University",
    "190150": "Columbia University in the City of New York",
    "130794": "Yale University",
    "240444": "University of Wisconsin-Madison",
    "134130": "University of Florida",
    "199120": "University of North Carolina at Chapel Hill",
}
DEMO_MUR = {
    "01502": "Politecnico di Milano",
    "03701": "Università degli studi di Bologna",
    "05801": "Università degli studi di Roma La Sapienza",
    "02801": "Università degli studi di Padova",
    "00101": "Università degli studi di Torino",
}
# The column holding the id, and how much of it is the institution's id.
ID_COLUMNS = {
    "ipeds": ("UNITID", 6),
    "hifld": ("IPEDSID", 6),
    "clery": ("UNITID_P", 6),
    "mur": ("COD_Ateneo", 5),
}

NATIONAL_RESOURCES = (
    {
        "country": "IT",
        "kind": SupportResource.Kind.HOTLINE,
        "name": "1522 – Numero antiviolenza e stalking",
        "phone": "1522",
        "website": "https://www.1522.eu",
        "hours": "24/7",
        "languages": "it, en, fr, es, ar",
        "description": (
            "The national anti-violence and anti-stalking helpline of the Italian government's "
            "Department for Equal Opportunities: free from landlines and mobiles, open 24 hours a "
            "day, multilingual, with a chat at 1522.eu. It puts callers in touch with local "
            "anti-violence centres."
        ),
    },
    {
        "country": "US",
        "kind": SupportResource.Kind.HOTLINE,
        "name": "National Sexual Assault Hotline (RAINN)",
        "phone": "800-656-4673",
        "website": "https://www.rainn.org",
        "hours": "24/7",
        "languages": "en, es",
        "description": (
            "Free and confidential, 24 hours a day, by phone or online chat at rainn.org: connects "
            "survivors with a trained staff member from a local sexual assault service provider."
        ),
    },
)
# Only offices whose current name we are sure of; phone numbers are left for organisers to add.
CAMPUS_OFFICES = {
    "110635": (
        "Office for the Prevention of Harassment and Discrimination (OPHD)",
        "https://ophd.berkeley.edu",
    ),
    "170976": ("Equity, Civil Rights and Title IX Office (ECRT)", "https://ecrt.umich.edu"),
    "204796": ("Office of Institutional Equity", "https://equity.osu.edu"),
    "228778": ("Title IX Office", "https://titleix.utexas.edu"),
    "243744": ("SHARE Title IX Office", "https://share.stanford.edu"),
}


def load(*, stdout) -> None:
    """Import the demo universities (if any is missing) and create the support resources.

    Idempotent: a second call imports nothing and creates nothing.
    """
    if _directory_missing():
        data_dir = Path(settings.SHARED_DATA_DIR)
        with tempfile.TemporaryDirectory(prefix="campusvoice-demo-") as folder:
            for kind, name in SHARED_DATA_FILES:
                path = _demo_rows_copy(kind=kind, source=data_dir / name, folder=Path(folder))
                report = directory_import(kind=kind, path=path)
                stdout.write(f"{path.name}: {report}")
    created = _support_resources_create()
    stdout.write(
        _("Demo directory: %(us)d US and %(it)d Italian universities, %(created)d new support resources.")
        % {"us": len(DEMO_IPEDS), "it": len(DEMO_MUR), "created": created}
    )


def _directory_missing() -> bool:
    with_statistics = (
        University.objects.filter(ipeds_unitid__in=DEMO_IPEDS, incident_statistics__isnull=False)
        .values_list("ipeds_unitid", flat=True)
        .distinct()
    )
    italian = University.objects.filter(mur_code__in=DEMO_MUR).values_list("mur_code", flat=True)
    return set(with_statistics) != DEMO_IPEDS.keys() or set(italian) != DEMO_MUR.keys()


def _demo_rows_copy(*, kind: str, source: Path, folder: Path) -> Path:
    """Copy the header and the demo institutions' rows of `source` to a UTF-8 CSV of the same name."""
    column, digits = ID_COLUMNS[kind]
    wanted = DEMO_MUR.keys() if kind == "mur" else DEMO_IPEDS.keys()
    target = folder / source.name
    with (
        table_open(path=source, file_name=source.name, errors=ErrorList(source.name)) as table,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        writer = csv.DictWriter(out, fieldnames=table.header)
        writer.writeheader()
        writer.writerows(row for _line, row in table.rows if row[column][:digits] in wanted)
    return target


def _support_resources_create() -> int:
    created = 0
    for resource in NATIONAL_RESOURCES:
        _row, new = SupportResource.objects.get_or_create(
            country=resource["country"], university=None, name=resource["name"], defaults=resource
        )
        created += new
    for university in University.objects.filter(ipeds_unitid__in=CAMPUS_OFFICES):
        name, website = CAMPUS_OFFICES[university.ipeds_unitid]
        _row, new = SupportResource.objects.get_or_create(
            country="US",
            university=university,
            name=name,
            defaults={"kind": SupportResource.Kind.CAMPUS_OFFICE, "website": website},
        )
        created += new
    return created
