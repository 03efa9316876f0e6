"""Every URL × every role (and anonymous) has an expected outcome.

The table below is written by hand, independently of access.py, so that a change of
policy shows up as a failing row. A URL added without a row fails
`test_every_url_has_a_row`.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campusvoice.accounts.models import Role
from conftest import login_as

pytestmark = pytest.mark.django_db

ANON = "anonymous"
ROLES = [Role.ADMIN, Role.ORGANISER, Role.MODERATOR, Role.ANALYST]

OK, LOGIN, DENIED, NOT_ALLOWED, REDIRECT = 200, "login", 403, 405, 302


@dataclass
class Row:
    anonymous: object = LOGIN
    admin: object = DENIED
    organiser: object = DENIED
    moderator: object = DENIED
    analyst: object = DENIED
    kwargs: str = ""  # name of a builder in KWARGS
    method: str = "get"

    def expected(self, who: str):
        return getattr(self, who)


def everyone(status=OK, **kw):
    return Row(admin=status, organiser=status, moderator=status, analyst=status, **kw)


def only(*roles, **kw):
    return Row(**{str(role): OK for role in roles}, **kw)


@dataclass
class Objects:
    ids: dict = field(default_factory=dict)


def _members(objects):
    from campusvoice.accounts.models import User

    return {"pk": User.objects.get(role=Role.ANALYST).pk}


KWARGS = {"member": _members}

MATRIX: dict[str, Row] = {
    "home": everyone(),
    "set-language": everyone(REDIRECT, anonymous=REDIRECT, method="post"),
    "accounts:login": everyone(REDIRECT, anonymous=OK),
    "accounts:logout": everyone(LOGIN, method="post"),  # logs out, then shows the log-in page
    "accounts:two-factor-verify": everyone(OK),
    "accounts:two-factor-setup": everyone(REDIRECT),  # already verified in these tests
    "accounts:profile": everyone(),
    "accounts:user-list": only(Role.ADMIN),
    "accounts:user-create": only(Role.ADMIN),
    "accounts:user-update": only(Role.ADMIN, kwargs="member"),
    "accounts:audit-log": only(Role.ADMIN),
    "campuses:list": everyone(),
    "campuses:priority": only(Role.ADMIN, Role.ORGANISER),
    "campuses:import": only(Role.ADMIN, Role.ORGANISER),
}


def _named_patterns(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin site is covered as a whole below
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>"


def test_every_url_has_a_row():
    names = set(_named_patterns(get_resolver()))
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URLs without a row in the role matrix: {missing}"
    assert not sorted(set(MATRIX) - names), "rows for URLs that no longer exist"


@pytest.fixture
def everyone_exists(admin_user, organiser, moderator, analyst):
    return {
        Role.ADMIN: admin_user,
        Role.ORGANISER: organiser,
        Role.MODERATOR: moderator,
        Role.ANALYST: analyst,
    }


def _outcome(response):
    if response.status_code == 302 and reverse("accounts:login") in response["Location"]:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("who", [ANON, *[str(r) for r in ROLES]])
def test_each_role_gets_what_the_matrix_says(client, everyone_exists, who):
    if who != ANON:
        login_as(client, everyone_exists[who])
    objects = Objects()
    wrong = []
    for name, row in MATRIX.items():
        kwargs = KWARGS[row.kwargs](objects) if row.kwargs else {}
        url = reverse(name, kwargs=kwargs)
        response = getattr(client, row.method)(url)
        if _outcome(response) != row.expected(who):
            wrong.append(f"{name}: expected {row.expected(who)}, got {_outcome(response)}")
        if name in {"accounts:logout"} and who != ANON:
            login_as(client, everyone_exists[who])  # log back in for the next rows
    assert not wrong, f"{who}: " + "; ".join(wrong)


@pytest.mark.parametrize("who", [ANON, *[str(r) for r in ROLES]])
def test_only_admins_reach_the_django_admin(client, everyone_exists, who):
    if who != ANON:
        login_as(client, everyone_exists[who])
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    expected = OK if who == Role.ADMIN else (LOGIN if who == ANON else DENIED)
    outcomes = {url: _outcome(client.get(url)) for url in urls}
    assert {url: o for url, o in outcomes.items() if o != expected} == {}
