"""E-mail addresses as people type them, and the canonical form used to spot duplicates.

`email_normalise` is what we store and write to: trimmed and lower-cased. `email_canonical` goes
further for providers that ignore dots and "+tags" in the local part (Gmail), so that
`Anna.Rossi+petition@gmail.com` and `annarossi@gmail.com` are recognised as one mailbox. It is
used only to detect duplicates; mail always goes to the normalised address the person typed.
"""

# Providers that deliver a.b+x@ and ab@ to the same mailbox; googlemail.com is Gmail's alias.
GMAIL_LIKE = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def email_normalise(address: str) -> str:
    """Trimmed and lower-cased; everything else as typed."""
    return (address or "").strip().lower()


def email_canonical(address: str) -> str:
    """The key for duplicate detection: dots and +tags removed for Gmail-like domains only."""
    address = email_normalise(address)
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    if domain in GMAIL_LIKE:
        local = local.split("+", 1)[0].replace(".", "")
        domain = GMAIL_LIKE[domain]
    return f"{local}@{domain}"
