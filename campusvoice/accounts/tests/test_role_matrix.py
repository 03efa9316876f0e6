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


def _comment(objects):
    from campusvoice.conversations.tests.factories import CommentFactory

    if "comment" not in objects.ids:
        objects.ids["comment"] = CommentFactory().pk
    return {"pk": objects.ids["comment"]}


KWARGS = {"member": _members, "comment": _comment}

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
    # The inbox: comment text is for admins and moderators only. Actions redirect back.
    "conversations:inbox": only(Role.ADMIN, Role.MODERATOR),
    "conversations:disclosures": only(Role.ADMIN, Role.MODERATOR),
    "conversations:inbox-poll": only(Role.ADMIN, Role.MODERATOR),
    "conversations:inbox-new": only(Role.ADMIN, Role.MODERATOR),
    "conversations:metrics": only(Role.ADMIN, Role.MODERATOR),
    "conversations:comment-detail": only(Role.ADMIN, Role.MODERATOR, kwargs="comment"),
    "conversations:comment-reply": only(Role.ADMIN, Role.MODERATOR, kwargs="comment"),
    "conversations:comment-assign": Row(admin=REDIRECT, moderator=REDIRECT, kwargs="comment", method="post"),
    "conversations:comment-done": Row(admin=REDIRECT, moderator=REDIRECT, kwargs="comment", method="post"),
    "conversations:comment-reopen": Row(admin=REDIRECT, moderator=REDIRECT, kwargs="comment", method="post"),
    "conversations:comment-hide": Row(admin=REDIRECT, moderator=REDIRECT, kwargs="comment", method="post"),
    "conversations:comment-unhide": Row(admin=REDIRECT, moderator=REDIRECT, kwargs="comment", method="post"),
    "conversations:comment-label": Row(admin=REDIRECT, moderator=REDIRECT, kwargs="comment", method="post"),
    "conversations:comment-bulk": Row(admin=REDIRECT, moderator=REDIRECT, method="post"),
}


# --- campus directory rows for campusvoice/accounts/tests/test_role_matrix.py ---
def _campus_objects(objects):
    from campusvoice.campuses.tests import factories as f

    if "campus" not in objects.ids:
        campus = f.UniversityFactory()
        entry = f.ShortlistEntryFactory(university=campus)
        objects.ids.update(
            campus=campus.pk,
            group=f.CampusGroupFactory(university=campus).pk,
            newspaper=f.StudentNewspaperFactory(university=campus).pk,
            contact=f.ContactFactory(university=campus).pk,
            resource=f.SupportResourceFactory(university=campus).pk,
            shortlist=entry.shortlist_id,
            entry=entry.pk,
        )
    return objects.ids


def _pk_of(kind):
    return lambda objects: {"pk": _campus_objects(objects)[kind]}


def _entry(objects):
    ids = _campus_objects(objects)
    return {"pk": ids["shortlist"], "entry_pk": ids["entry"]}


KWARGS.update(
    {kind: _pk_of(kind) for kind in ("campus", "group", "newspaper", "contact", "resource", "shortlist")}
)
KWARGS["entry"] = _entry
EDITORS = (Role.ADMIN, Role.ORGANISER)
MATRIX.update(
    {
        "campuses:detail": everyone(kwargs="campus"),
        "campuses:coordinates-edit": only(*EDITORS, kwargs="campus"),
        "campuses:group-create": only(*EDITORS, kwargs="campus"),
        "campuses:group-update": only(*EDITORS, kwargs="group"),
        "campuses:group-delete": only(*EDITORS, kwargs="group"),  # GET asks for confirmation
        "campuses:newspaper-create": only(*EDITORS, kwargs="campus"),
        "campuses:newspaper-update": only(*EDITORS, kwargs="newspaper"),
        "campuses:newspaper-delete": only(*EDITORS, kwargs="newspaper"),
        "campuses:contact-create": only(*EDITORS, kwargs="campus"),
        "campuses:contact-update": only(*EDITORS, kwargs="contact"),
        "campuses:contact-delete": only(*EDITORS, kwargs="contact"),
        "campuses:resource-list": everyone(),
        "campuses:resource-create": only(*EDITORS),
        "campuses:campus-resource-create": only(*EDITORS, kwargs="campus"),
        "campuses:resource-update": only(*EDITORS, kwargs="resource"),
        "campuses:resource-delete": only(*EDITORS, kwargs="resource"),
        "campuses:shortlist-list": only(*EDITORS),
        "campuses:shortlist-create": Row(admin=NOT_ALLOWED, organiser=NOT_ALLOWED),  # POST only
        "campuses:shortlist-detail": only(*EDITORS, kwargs="shortlist"),
        "campuses:shortlist-delete": only(*EDITORS, kwargs="shortlist"),
        "campuses:shortlist-entry-move": Row(admin=NOT_ALLOWED, organiser=NOT_ALLOWED, kwargs="entry"),
        "campuses:shortlist-entry-remove": Row(admin=NOT_ALLOWED, organiser=NOT_ALLOWED, kwargs="entry"),
    }
)


# --- supporters and petitions rows ---
def _supporter_objects(objects):
    """Read-only objects, made once per test."""
    from campusvoice.petitions.tests import factories as pf
    from campusvoice.supporters.tests.factories import PersonFactory

    if "person" not in objects.ids:
        version = pf.PetitionVersionFactory()
        signature = pf.SignatureFactory(
            petition=version.petition, version=version, token="matrix-confirm-token"
        )
        story = pf.StoryFactory(campaign=version.petition.campaign, token="matrix-withdraw-token")
        objects.ids.update(
            person=PersonFactory().pk,
            other=PersonFactory().pk,
            petition=version.petition.pk,
            slug=version.petition.slug,
            code=version.code,
            campaign_slug=version.petition.campaign.slug,
            version=version.pk,
            signature=signature.pk,
            story=story.pk,
        )
    return objects.ids


def _fresh_person_tag(objects):
    from campusvoice.supporters.tests.factories import PersonFactory, TagFactory

    person, tag = PersonFactory(), TagFactory()
    person.tags.add(tag)
    return {"pk": person.pk, "tag_pk": tag.pk}


def _fresh_merge(objects):
    from campusvoice.supporters.services import people_merge
    from campusvoice.supporters.tests.factories import PersonFactory

    return {"pk": people_merge(keep=PersonFactory(), merge=PersonFactory(), by=None).pk}


def _fresh_suggestion(objects):
    from campusvoice.supporters.tests.factories import MergeSuggestionFactory

    return {"pk": MergeSuggestionFactory().pk}


def _ids(**names):
    return lambda objects: {key: _supporter_objects(objects)[name] for key, name in names.items()}


KWARGS.update(
    {
        "person": _ids(pk="person"),
        "person_pair": _ids(pk="person", other_pk="other"),
        "person_tag": _fresh_person_tag,
        "merge_record": _fresh_merge,
        "merge_suggestion": _fresh_suggestion,
        "export": lambda objects: {"fmt": "csv"},
        "petition": _ids(pk="petition"),
        "petition_versions": _ids(petition_pk="petition"),
        "petition_export": lambda objects: {"pk": _supporter_objects(objects)["petition"], "fmt": "csv"},
        "petition_version": _ids(pk="version"),
        "signature": _ids(pk="signature"),
        "story": _ids(pk="story"),
        "public_petition": lambda objects: {"lang": "en", "slug": _supporter_objects(objects)["slug"]},
        "public_version": lambda objects: {"lang": "it", **_ids(slug="slug", code="code")(objects)},
        "public_slug": _ids(slug="slug"),
        "public_confirm": lambda objects: (
            _supporter_objects(objects) and {"lang": "en", "token": "matrix-confirm-token"}
        ),
        "public_stories": lambda objects: {"lang": "en", **_ids(campaign_slug="campaign_slug")(objects)},
        "public_withdraw": lambda objects: (
            _supporter_objects(objects) and {"lang": "en", "token": "matrix-withdraw-token"}
        ),
    }
)
STAFF = (Role.ADMIN, Role.ORGANISER)
PUBLIC = everyone(OK, anonymous=OK)
MATRIX.update(
    {
        # Supporters: personal data for admins and organisers; exports for admins only.
        "supporters:person-list": only(*STAFF),
        "supporters:person-export": only(Role.ADMIN, kwargs="export"),
        "supporters:saved-list-create": Row(admin=REDIRECT, organiser=REDIRECT, method="post"),
        "supporters:campus-overview": only(*STAFF),
        "supporters:merge-list": only(*STAFF),
        "supporters:merge-undo": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="merge_record", method="post"
        ),
        "supporters:merge-suggestion-dismiss": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="merge_suggestion", method="post"
        ),
        "supporters:person-detail": only(*STAFF, kwargs="person"),
        "supporters:person-tag-add": Row(admin=REDIRECT, organiser=REDIRECT, kwargs="person", method="post"),
        "supporters:person-tag-remove": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="person_tag", method="post"
        ),
        "supporters:person-merge": only(*STAFF, kwargs="person_pair"),  # GET previews
        # Petitions: organisers manage; signature exports for admins only.
        "petitions:petition-list": only(*STAFF),
        "petitions:petition-create": only(*STAFF),
        "petitions:mail-queue": only(*STAFF),
        "petitions:petition-detail": only(*STAFF, kwargs="petition"),
        "petitions:petition-update": only(*STAFF, kwargs="petition"),
        "petitions:version-create": only(*STAFF, kwargs="petition_versions"),
        "petitions:version-update": only(*STAFF, kwargs="petition_version"),
        "petitions:signature-list": only(*STAFF, kwargs="petition"),
        "petitions:signature-export": only(Role.ADMIN, kwargs="petition_export"),
        "petitions:signature-void": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="signature", method="post"
        ),
        "petitions:petition-delivery": only(*STAFF, kwargs="petition"),
        # Stories are disclosures: moderators and admins, never organisers or analysts.
        "petitions:story-list": only(Role.ADMIN, Role.MODERATOR),
        "petitions:story-detail": only(Role.ADMIN, Role.MODERATOR, kwargs="story"),
        # Public pages: anyone, signed in or not.
        "petitions_public:petition": everyone(OK, anonymous=OK, kwargs="public_petition"),
        "petitions_public:version": everyone(OK, anonymous=OK, kwargs="public_version"),
        "petitions_public:thanks": everyone(OK, anonymous=OK, kwargs="public_petition"),
        "petitions_public:confirmed": everyone(OK, anonymous=OK, kwargs="public_petition"),
        "petitions_public:signature-confirm": everyone(
            OK, anonymous=OK, kwargs="public_confirm"
        ),  # GET: a button
        "petitions_public:embed": everyone(OK, anonymous=OK, kwargs="public_slug"),
        "petitions_public:petition-redirect": everyone(REDIRECT, anonymous=REDIRECT, kwargs="public_slug"),
        "petitions_public:story-create": everyone(OK, anonymous=OK, kwargs="public_stories"),
        "petitions_public:story-withdraw": everyone(
            OK, anonymous=OK, kwargs="public_withdraw"
        ),  # GET: asks first
    }
)


# --- Meta integration rows ---
def _meta_connection(objects):
    from campusvoice.conversations.models import Channel
    from campusvoice.integrations.meta.models import MetaConnection
    from campusvoice.integrations.meta.tokens import token_encrypt

    if "meta_connection" not in objects.ids:
        channel = Channel.objects.create(
            kind=Channel.Kind.FACEBOOK_PAGE, platform_id="448242228374517", name="P"
        )
        objects.ids["meta_connection"] = MetaConnection.objects.create(
            channel=channel, page_id=channel.platform_id, page_name="P", token_encrypted=token_encrypt("t")
        ).pk
    return {"pk": objects.ids["meta_connection"]}


KWARGS["meta_connection"] = _meta_connection
MATRIX.update(
    {
        "meta:connection-list": only(Role.ADMIN),
        "meta:connection-disconnect": Row(admin=REDIRECT, kwargs="meta_connection", method="post"),
        # Public for Meta, but a GET without the verify token (and a POST without a signature) is refused.
        "meta:webhook": Row(anonymous=DENIED),
        # Facebook Login for Business: start (to the dialog), callback and pick (back, no log-in held).
        "meta:login-start": Row(admin=REDIRECT),
        "meta:login-callback": Row(admin=REDIRECT),
        "meta:login-pages": Row(admin=REDIRECT),
    }
)


# --- analytics rows: aggregates for every role, no personal data ---
def _analytics_campus(objects):
    from campusvoice.campuses.tests.factories import UniversityFactory

    if "analytics_campus" not in objects.ids:
        objects.ids["analytics_campus"] = UniversityFactory().pk
    return {"pk": objects.ids["analytics_campus"]}


def _analytics_campaign(objects):
    from campusvoice.petitions.tests.factories import CampaignFactory

    if "analytics_campaign" not in objects.ids:
        objects.ids["analytics_campaign"] = CampaignFactory().slug
    return {"slug": objects.ids["analytics_campaign"]}


KWARGS.update(
    {
        "analytics_campus": _analytics_campus,
        "analytics_campaign": _analytics_campaign,
        "analytics_export": lambda objects: {"fmt": "csv"},
    }
)
MATRIX.update(
    {
        "analytics:dashboard": everyone(),
        "analytics:campus-detail": everyone(kwargs="analytics_campus"),
        "analytics:compare": everyone(),
        "analytics:table-export": everyone(kwargs="analytics_export"),
        "analytics:report": everyone(kwargs="analytics_campaign"),
        "analytics:report-pdf": everyone(kwargs="analytics_campaign"),
    }
)


# --- outreach rows: letters, relationships, coverage (admins and organisers only) ---
def _outreach_objects(objects):
    from campusvoice.outreach.tests import factories as of

    if "letter" not in objects.ids:
        letter = of.LetterFactory()
        objects.ids.update(
            outreach_campaign=letter.campaign_id,
            letter=letter.pk,
            letter_template=letter.template_id,
            relationship=of.RelationshipFactory(campaign=letter.campaign).pk,
            article=of.ArticleFactory().pk,
        )
    return objects.ids


def _outreach(**names):
    return lambda objects: {key: _outreach_objects(objects)[name] for key, name in names.items()}


KWARGS.update(
    {
        "outreach_campaign": _outreach(campaign_pk="outreach_campaign"),
        "outreach_zip": lambda objects: {
            **_outreach(campaign_pk="outreach_campaign")(objects),
            "fmt": "docx",
        },
        "outreach_letter": _outreach(pk="letter"),
        "outreach_letter_file": lambda objects: {**_outreach(pk="letter")(objects), "fmt": "docx"},
        "outreach_template": _outreach(pk="letter_template"),
        "outreach_relationship": _outreach(pk="relationship"),
        "outreach_article": _outreach(pk="article"),
    }
)
OUTREACH = (Role.ADMIN, Role.ORGANISER)
MATRIX.update(
    {
        "outreach:letter-list": only(*OUTREACH),
        "outreach:template-list": only(*OUTREACH),
        "outreach:template-create": only(*OUTREACH),
        "outreach:template-update": only(*OUTREACH, kwargs="outreach_template"),
        "outreach:letters-prepare": only(*OUTREACH, kwargs="outreach_campaign"),
        "outreach:letters-zip": only(*OUTREACH, kwargs="outreach_zip"),
        "outreach:letters-email": only(*OUTREACH, kwargs="outreach_campaign"),  # GET: the confirmation
        "outreach:letters-preview": only(*OUTREACH, kwargs="outreach_campaign"),  # GET only, saves nothing
        "outreach:letter-detail": only(*OUTREACH, kwargs="outreach_letter"),
        "outreach:letter-quotes": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="outreach_letter", method="post"
        ),
        "outreach:letter-download": only(*OUTREACH, kwargs="outreach_letter_file"),
        "outreach:letter-email": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="outreach_letter", method="post"
        ),
        "outreach:board": only(*OUTREACH, kwargs="outreach_campaign"),
        "outreach:relationship-create": only(*OUTREACH),
        "outreach:relationship-detail": only(*OUTREACH, kwargs="outreach_relationship"),
        "outreach:relationship-update": only(*OUTREACH, kwargs="outreach_relationship"),
        "outreach:relationship-move": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="outreach_relationship", method="post"
        ),
        "outreach:relationship-event-add": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="outreach_relationship", method="post"
        ),
        "outreach:article-list": only(*OUTREACH),
        "outreach:article-add": only(*OUTREACH),
        "outreach:article-review": Row(
            admin=REDIRECT, organiser=REDIRECT, kwargs="outreach_article", method="post"
        ),
        "outreach:source-list": only(*OUTREACH),
        "outreach:sources-check": Row(admin=REDIRECT, organiser=REDIRECT, method="post"),
    }
)


# --- campaigns rows ---
def _campaign_objects(objects):
    from campusvoice.campaigns.tests import factories as cf

    if "content_item" not in objects.ids:
        template = cf.ContentTemplateFactory()
        item = cf.ContentItemFactory(campaign=template.campaign, template=template)
        objects.ids.update(
            campaign=template.campaign.pk,
            content_template=template.pk,
            content_item=item.pk,
            ally=item.ally_item_id or cf.AllyFactory().pk,
            ally_item=cf.AllyItemFactory().pk,
        )
    return objects.ids


def _campaign_pk(kind):
    return lambda objects: {"pk": _campaign_objects(objects)[kind]}


KWARGS.update(
    {
        kind: _campaign_pk(kind)
        for kind in ("campaign", "content_template", "content_item", "ally", "ally_item")
    }
)
CAMPAIGNERS = (Role.ADMIN, Role.ORGANISER)


def _campaign_action(kwargs):
    return Row(admin=REDIRECT, organiser=REDIRECT, kwargs=kwargs, method="post")


MATRIX.update(
    {
        # Campaigns: organisers and admins plan, write, approve and export.
        "campaigns:list": only(*CAMPAIGNERS),
        "campaigns:create": only(*CAMPAIGNERS),
        "campaigns:detail": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:update": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:calendar": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:export": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:themes": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:reach-import": only(*CAMPAIGNERS, kwargs="campaign"),
        # GET shows what a batch step would change; the POSTs are tested in campaigns/tests.
        "campaigns:bulk-submit": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:bulk-approve": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:bulk-schedule": only(*CAMPAIGNERS, kwargs="campaign"),
        # Paid ads on Meta (ads.manage): organisers and admins. Without an ad campaign, resume
        # and sync are 404s (the role got past the policy).
        "meta:campaign-ads": only(*CAMPAIGNERS, kwargs="campaign"),
        "meta:campaign-ads-resume": Row(admin=404, organiser=404, kwargs="campaign", method="post"),
        "meta:campaign-ads-sync": Row(admin=404, organiser=404, kwargs="campaign", method="post"),
        "campaigns:template-create": only(*CAMPAIGNERS, kwargs="campaign"),
        "campaigns:template-preview": only(*CAMPAIGNERS, kwargs="content_template"),
        "campaigns:template-update": only(*CAMPAIGNERS, kwargs="content_template"),
        "campaigns:template-render": _campaign_action("content_template"),
        "campaigns:item-detail": only(*CAMPAIGNERS, kwargs="content_item"),
        # An empty edit re-shows the page with the form's error.
        "campaigns:item-edit": only(*CAMPAIGNERS, kwargs="content_item", method="post"),
        "campaigns:item-submit": _campaign_action("content_item"),
        "campaigns:item-approve": _campaign_action("content_item"),
        "campaigns:item-reject": _campaign_action("content_item"),
        "campaigns:item-schedule": _campaign_action("content_item"),
        "campaigns:item-unschedule": _campaign_action("content_item"),
        "campaigns:item-mark-published": _campaign_action("content_item"),
        "campaigns:item-publish": _campaign_action("content_item"),
        "campaigns:ally-list": only(*CAMPAIGNERS),
        "campaigns:ally-create": only(*CAMPAIGNERS),
        "campaigns:ally-update": only(*CAMPAIGNERS, kwargs="ally"),
        # GET asks for confirmation; the POST that deletes is tested in campaigns/tests.
        "campaigns:ally-delete": only(*CAMPAIGNERS, kwargs="ally"),
        "campaigns:ally-fetch": _campaign_action("ally"),
        "campaigns:ally-item-share": only(*CAMPAIGNERS, kwargs="ally_item"),
    }
)


# --- privacy rows: subject access, erasure and retention for admins only; health for anyone ---
MATRIX.update(
    {
        "privacy:person": only(Role.ADMIN, kwargs="person"),
        "privacy:person-export": Row(admin=OK, kwargs="person", method="post"),  # the ZIP
        "privacy:person-erase": only(Role.ADMIN, kwargs="person"),  # GET asks for confirmation
        "privacy:retention": only(Role.ADMIN),  # GET is the dry run
        "privacy:status": only(Role.ADMIN),
        "health": everyone(OK, anonymous=OK),
    }
)


# --- OSDI API rows: the API takes tokens only, so a session (or nobody) gets 401 everywhere but
# the public schema. Token access per role: campusvoice/api/tests/test_api_roles.py.
def _other_members_token(objects):
    from campusvoice.accounts.models import User
    from campusvoice.api.services import api_token_create

    owner = User.objects.create_user("token.owner@example.org", "x" * 20, role=Role.ORGANISER)
    return {"pk": api_token_create(user=owner, name="matrix")[0].pk}


KWARGS.update(
    {
        "api_pk": lambda objects: {"pk": 1},
        "api_petition": lambda objects: {"petition_pk": 1},
        "api_signature": lambda objects: {"petition_pk": 1, "pk": 1},
        "api_tag": lambda objects: {"tag_pk": 1},
        "api_tagging": lambda objects: {"tag_pk": 1, "pk": 1},
        "api_token": _other_members_token,
    }
)
API_ONLY = everyone(401, anonymous=401)
MATRIX.update(
    {
        "api:entry-point": API_ONLY,
        "api:schema": everyone(OK, anonymous=OK),
        "api:person-list": API_ONLY,
        "api:person-detail": everyone(401, anonymous=401, kwargs="api_pk"),
        "api:petition-list": API_ONLY,
        "api:petition-detail": everyone(401, anonymous=401, kwargs="api_pk"),
        "api:signature-list": everyone(401, anonymous=401, kwargs="api_petition"),
        "api:signature-detail": everyone(401, anonymous=401, kwargs="api_signature"),
        "api:tag-list": API_ONLY,
        "api:tag-detail": everyone(401, anonymous=401, kwargs="api_pk"),
        "api:tagging-list": everyone(401, anonymous=401, kwargs="api_tag"),
        "api:tagging-detail": everyone(401, anonymous=401, kwargs="api_tagging"),
        # Each member's own tokens; another member's token is not found.
        "api_tokens:token-list": everyone(),
        "api_tokens:token-revoke": everyone(404, kwargs="api_token", method="post"),
    }
)


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
