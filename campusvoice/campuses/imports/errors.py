"""What a failed import says: every problem names the file, the line and the column."""

from dataclasses import dataclass
from typing import NoReturn

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campusvoice.errors import ApplicationError

# Enough to fix a file in one go without flooding the page or the terminal.
MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class RowError:
    """One problem in an import file. Line 1 is the header; file-wide problems use line 1 too."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class DirectoryImportError(ApplicationError):
    """The file was not imported and nothing changed; `.errors` lists the first problems found."""

    def __init__(self, errors: list[RowError], *, total: int | None = None):
        total = max(total or 0, len(errors))
        self.errors = list(errors[:MAX_REPORTED_ERRORS])
        self.total = total
        first = self.errors[0]
        message = ngettext(
            "%(file)s: %(count)d problem, nothing was imported. %(first)s",
            "%(file)s: %(count)d problems, nothing was imported. First: %(first)s",
            total,
        ) % {"file": first.file, "count": total, "first": first}
        super().__init__(message, extra={"total": total})


class ErrorList:
    """Collects row errors for one file; keeps the first few, counts them all."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        self.errors: list[RowError] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, *, line: int, field: str, message: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(self.file_name, line, field, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise DirectoryImportError(self.errors, total=self.total)


def file_error(file_name: str, field: str, message: str, *, line: int = 1) -> NoReturn:
    """Stop at once: the file as a whole cannot be read."""
    raise DirectoryImportError([RowError(file_name, line, field, message)])


def missing_columns_error(file_name: str, missing: list[str]) -> NoReturn:
    file_error(
        file_name,
        _("header"),
        ngettext(
            "The required column %(columns)s is missing.",
            "The required columns %(columns)s are missing.",
            len(missing),
        )
        % {"columns": ", ".join(missing)},
    )
