import pytest

from campusvoice.supporters.emails import email_canonical, email_normalise


@pytest.mark.parametrize(
    ("typed", "normalised", "canonical"),
    [
        ("  Anna.Rossi@Example.ORG ", "anna.rossi@example.org", "anna.rossi@example.org"),
        ("Anna.Rossi+petition@gmail.com", "anna.rossi+petition@gmail.com", "annarossi@gmail.com"),
        ("a.n.n.a@googlemail.com", "a.n.n.a@googlemail.com", "anna@gmail.com"),
        ("anna+tag@example.org", "anna+tag@example.org", "anna+tag@example.org"),  # only Gmail-like domains
        ("no-at-sign", "no-at-sign", "no-at-sign"),
    ],
)
def test_it_normalises_and_canonicalises_addresses(typed, normalised, canonical):
    assert email_normalise(typed) == normalised
    assert email_canonical(typed) == canonical
