"""A demo loader that fails after writing, for the all-or-nothing test."""

from campusvoice.accounts.models import Organisation


def load(*, stdout):
    Organisation.objects.create(name="Half-loaded")
    raise RuntimeError("this loader always fails")
