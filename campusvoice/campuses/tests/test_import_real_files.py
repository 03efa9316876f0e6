"""The real files in shared/data import cleanly (the fast ones; bench/ times the rest)."""

import pytest
from django.conf import settings

from campusvoice.campuses.imports import SHARED_DATA_FILES, directory_import
from campusvoice.campuses.models import University

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not settings.SHARED_DATA_DIR.is_dir(), reason="shared/data is not beside the repository"
    ),
]
REAL = {
    name.split("/")[0]: settings.SHARED_DATA_DIR / name for kind, name in SHARED_DATA_FILES if kind != "clery"
}


def test_the_real_mur_list_imports_every_active_ateneo_with_coordinates():
    report = directory_import(kind="mur", path=REAL["it_mur_atenei"])

    assert (report.created, report.skipped) == (98, 11)
    assert not University.objects.filter(country="IT", latitude__isnull=True).exists()
    sapienza = University.objects.get(mur_code="05801")
    assert sapienza.name == "Università degli studi di Roma La Sapienza"
    assert sapienza.city == "Roma"


def test_the_real_ipeds_file_checks_out_in_a_dry_run():
    report = directory_import(kind="ipeds", path=REAL["us_ipeds_hd2020"], dry_run=True)

    assert (report.created, report.skipped) == (6314, 126)
    assert University.objects.count() == 0
