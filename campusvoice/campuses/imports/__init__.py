"""Importing the campus directory: IPEDS, HIFLD, Clery Act statistics, MUR atenei, mapped CSV/XLSX.

The web upload page and `campusvoice campuses import` both call directory_import().
"""

from campusvoice.campuses.imports.errors import DirectoryImportError, RowError
from campusvoice.campuses.imports.service import (
    IMPORT_KINDS,
    SHARED_DATA_FILES,
    ImportReport,
    directory_import,
    directory_upload_check,
)

__all__ = [
    "IMPORT_KINDS",
    "SHARED_DATA_FILES",
    "DirectoryImportError",
    "ImportReport",
    "RowError",
    "directory_import",
    "directory_upload_check",
]
