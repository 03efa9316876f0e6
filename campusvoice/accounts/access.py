"""Who may do what: the one place where roles meet capabilities.

Every view declares the capability it needs with `@requires("…")` (or `@public`,
`@signed_in`); AccessPolicyMiddleware refuses any view that declares nothing, so a new
URL is closed until someone decides who may use it. Object-level scoping lives in each
app's selectors, which take the user and return only what that user may see.
"""

from collections.abc import Callable

from campusvoice.accounts.models import Role

ADMIN, ORGANISER, MODERATOR, ANALYST = Role.ADMIN, Role.ORGANISER, Role.MODERATOR, Role.ANALYST
EVERYONE = frozenset(Role)

CAPABILITIES: dict[str, frozenset[Role]] = {
    # Aggregate figures and the directory's public facts.
    "dashboard.view": EVERYONE,
    "campuses.view": EVERYONE,
    "campuses.edit": frozenset({ADMIN, ORGANISER}),
    "campuses.import": frozenset({ADMIN, ORGANISER}),
    # A named person at an institution is personal data.
    "contacts.view": frozenset({ADMIN, ORGANISER}),
    "contacts.edit": frozenset({ADMIN, ORGANISER}),
    "shortlists.edit": frozenset({ADMIN, ORGANISER}),
    "campaigns.view": frozenset({ADMIN, ORGANISER}),
    "campaigns.edit": frozenset({ADMIN, ORGANISER}),
    "campaigns.approve": frozenset({ADMIN, ORGANISER}),
    # Making (paused) paid ads on Meta and fetching their figures.
    "ads.manage": frozenset({ADMIN, ORGANISER}),
    "inbox.view": frozenset({ADMIN, MODERATOR}),
    "inbox.act": frozenset({ADMIN, MODERATOR}),
    "inbox.disclosures": frozenset({ADMIN, MODERATOR}),
    "supporters.view": frozenset({ADMIN, ORGANISER}),
    "supporters.edit": frozenset({ADMIN, ORGANISER}),
    "petitions.manage": frozenset({ADMIN, ORGANISER}),
    "outreach.manage": frozenset({ADMIN, ORGANISER}),
    "reports.view": EVERYONE,
    "personal_data.export": frozenset({ADMIN}),
    "audit.view": frozenset({ADMIN}),
    "users.manage": frozenset({ADMIN}),
    "integrations.manage": frozenset({ADMIN}),
    "admin.site": frozenset({ADMIN}),
}

# Policies that are not capabilities.
PUBLIC = "public"  # anyone, signed in or not (log-in page, public petition pages)
SIGNED_IN = "signed-in"  # any active member, whatever the role (own profile, log-out)

ATTRIBUTE = "campusvoice_access"


def can(user, capability: str) -> bool:
    """True if this user's role grants the capability; unknown capabilities grant nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in CAPABILITIES.get(capability, frozenset())


def requires(capability: str) -> Callable:
    """Declare the capability a view needs; the middleware enforces it."""
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}; add it to CAPABILITIES.")

    def decorate(view):
        setattr(view, ATTRIBUTE, capability)
        return view

    return decorate


def public(view):
    setattr(view, ATTRIBUTE, PUBLIC)
    return view


def signed_in(view):
    setattr(view, ATTRIBUTE, SIGNED_IN)
    return view


def policy_of(view) -> str | None:
    """The policy a resolved view declared, following wrappers (as_view, decorators)."""
    seen = view
    for _ in range(10):
        policy = getattr(seen, ATTRIBUTE, None)
        if policy:
            return policy
        seen = getattr(seen, "__wrapped__", None) or getattr(seen, "view_class", None)
        if seen is None:
            return None
    return None
