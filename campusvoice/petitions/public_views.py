"""Public pages: petitions per campus, signing, confirming, the embeddable form, stories.

Anyone may open them (@public). They load nothing from other hosts, work without JavaScript
(except the proof-of-work puzzle, asked for only under load), and take the language from the URL
(/p/it/…) with links to switch.
"""

import secrets
from functools import wraps
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from campusvoice.accounts.access import public
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import SupportResource, University
from campusvoice.petitions import selectors, throttling
from campusvoice.petitions.forms import ATTRIBUTION, HONEYPOT, SignForm, StoryForm
from campusvoice.petitions.models import Petition, PetitionVersion
from campusvoice.petitions.services import signatures as signing
from campusvoice.petitions.services import stories
from campusvoice.supporters.emails import email_canonical

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def in_language(view):
    """Render the view in the URL's language (`lang` kwarg, or ?lang= for the embed)."""

    @wraps(view)
    def wrapped(request, *args, lang: str | None = None, **kwargs):
        lang = lang or request.GET.get("lang") or translation.get_language() or settings.LANGUAGE_CODE
        lang = lang[:2] if lang[:2] in LANGUAGES else settings.LANGUAGE_CODE
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, *args, lang=lang, **kwargs)
        response.headers["Content-Language"] = lang
        return response

    return wrapped


def _language_links(request: HttpRequest, lang: str) -> list[tuple[str, str, bool]]:
    """(code, url, current) for each language: the same page in another language."""
    match = request.resolver_match
    query = request.GET.copy()
    links = []
    for code in LANGUAGES:
        if "lang" in match.kwargs:
            url = reverse(match.view_name, kwargs={**match.kwargs, "lang": code})
            query.pop("lang", None)
        else:
            url = request.path
            query["lang"] = code
        links.append((code, f"{url}?{query.urlencode()}" if query else url, code == lang))
    return links


def share_links(*, petition: Petition, version: PetitionVersion | None, lang: str) -> list[tuple[str, str]]:
    """Links that bring others to this campus's page, tagged so each share counts for the campus."""
    kwargs = {"lang": lang, "slug": petition.slug}
    name = "petitions_public:petition"
    if version:
        kwargs["code"], name = version.code, "petitions_public:version"
    page = settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)
    title = version.title(lang) if version else petition.title(lang)

    def tracked(medium: str) -> str:
        query = {
            "ref": f"share-{version.code}" if version else "share",
            "utm_source": "share",
            "utm_medium": medium,
            "utm_campaign": petition.campaign.slug,
        }
        return f"{page}?{urlencode(query)}"

    return [
        ("link", tracked("link")),
        ("WhatsApp", f"https://wa.me/?text={quote(title + ' ' + tracked('whatsapp'))}"),
        ("Telegram", f"https://t.me/share/url?url={quote(tracked('telegram'))}&text={quote(title)}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={quote(tracked('facebook'))}"),
        ("e-mail", f"mailto:?subject={quote(title)}&body={quote(tracked('email'))}"),
    ]


def _too_many(request: HttpRequest, retry_after: int, *, lang: str) -> HttpResponse:
    response = render(
        request, "petitions/public/too_many.html", {"retry_after": retry_after, "lang": lang}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _public_petition(
    slug: str, code: str | None
) -> tuple[Petition, list[PetitionVersion], PetitionVersion | None]:
    """The petition (404 if none), its campus versions and the one with this code (None if no
    version has it), from the per-process copy: no query beyond its freshness check."""
    try:
        petition, versions = selectors.public_petition(slug=slug)
    except Petition.DoesNotExist:
        raise Http404 from None
    return petition, versions, next((v for v in versions if code and v.code == code), None)


# The rendered fields of the unbound signing form, keyed by everything they show: the same HTML for
# every visitor, and the costliest part of the busiest page to render (about a third of its CPU).
_FIELDS_HTML: dict[tuple, str] = {}
_FIELDS_HTML_MAX = 500


def _fields_html(form: SignForm, *, petition: Petition, versions: list, version, lang: str) -> str:
    key = (
        petition.pk,
        petition.updated_at,  # consent and contact wording
        version.pk if version else None,
        tuple((v.pk, v.university.name) for v in versions),  # the campus choices, in order
        lang,
    )
    html = _FIELDS_HTML.get(key)
    if html is None:
        html = render_to_string("petitions/public/_sign_fields.html", {"form": form})
        if len(_FIELDS_HTML) >= _FIELDS_HTML_MAX:
            _FIELDS_HTML.clear()
        _FIELDS_HTML[key] = html
    return html


# The whole page of an unbound form, for a visitor who brought no query string: the same HTML for
# everyone but three per-visitor strings (the CSRF token, the puzzle's challenge, the CSP nonce of
# the puzzle's script). It is rendered once with a slot in their place, kept per process and keyed
# by everything else the page shows, and each visitor gets a copy with their own strings put in.
# The counters are in the key, so the page is rendered again when they change (every few seconds
# at most: selectors.COUNTS_CACHE_SECONDS).
_PAGES: dict[tuple, str] = {}
_PAGES_MAX = 200
_SLOT = secrets.token_hex(12)  # per process: no petition text can hold it by accident
SLOTS = {"csrf": f"cvslot{_SLOT}csrf", "pow": f"cvslot{_SLOT}pow", "nonce": f"cvslot{_SLOT}nonce"}


def _page_key(request: HttpRequest, *, petition, version, versions, counts, pow_challenge, lang, template):
    return (
        template,
        request.path,
        lang,
        petition.pk,
        petition.updated_at,
        petition.is_open,
        version.pk if version else None,
        version.updated_at if version else None,
        tuple((v.pk, v.code, v.updated_at, v.university.name) for v in versions),
        counts,
        bool(pow_challenge),
    )


def _page_from_cache(
    request: HttpRequest, key: tuple, context, *, pow_challenge, template: str
) -> HttpResponse:
    """The cached page with this visitor's strings put in; `context()` renders it on a miss."""
    html = _PAGES.get(key)
    if html is None:
        slots = {"csrf_token": SLOTS["csrf"], "csp_nonce": SLOTS["nonce"]}
        if pow_challenge:
            slots["pow_challenge"] = SLOTS["pow"]
        html = render_to_string(template, context() | slots, request)
        if len(_PAGES) >= _PAGES_MAX:
            _PAGES.clear()
        _PAGES[key] = html
    html = html.replace(SLOTS["csrf"], get_token(request))  # also sets the visitor's CSRF cookie
    if pow_challenge:
        html = html.replace(SLOTS["pow"], pow_challenge)
    if SLOTS["nonce"] in html:
        html = html.replace(SLOTS["nonce"], str(get_nonce(request)))  # the CSP header names it
    return HttpResponse(html)


def _sign(
    request: HttpRequest,
    *,
    petition,
    version,
    lang: str,
    template: str,
    done_url: str,
    versions: list[PetitionVersion],
    extra=None,
):
    """The signing form, shared by the petition page and the embed. Always the same answer after a
    submission, whatever happened to the address."""
    ip_key = throttling.ip_hash(throttling.ip_of(request))
    pow_challenge = None
    if request.method == "POST":
        form = SignForm(request.POST, petition=petition, language=lang, versions=versions, version=version)
        bot = bool(request.POST.get(HONEYPOT))
        valid = not bot and form.is_valid() and petition.is_open
        data = form.cleaned_data if valid else {}
        # One cache round trip: the IP's and everyone's counts and, for a valid form, the
        # address's count and the puzzle's single use.
        check = throttling.submission_check(
            ip_key=f"sign:{ip_key}",
            address=throttling.key_hash(email_canonical(data["email"])) if valid else "",
            challenge=data.get("pow_challenge", ""),
            solution=data.get("pow_solution", ""),
        )
        if check.retry_after:
            throttling.give_back(check.address_key)
            return _too_many(request, check.retry_after, lang=lang)
        if bot:
            return redirect(done_url)  # a bot: it learns nothing, nothing is stored
        if valid:
            if check.pow_needed and not check.pow_solved:
                throttling.give_back(check.address_key)
                pow_challenge = throttling.pow_challenge()
            else:
                try:
                    signing.signature_submit(
                        petition=petition,
                        version=data["version"] or version,
                        name=data["name"],
                        email=data["email"],
                        contact_ok=data["contact_ok"],
                        language=lang,
                        attribution=form.attribution(),
                        ip_hash=ip_key,
                        user_agent_family=throttling.user_agent_family(request.headers.get("User-Agent", "")),
                        send=check.address_wait is None,
                    )
                except BaseException:
                    # A write the server failed (database down, disk full) must not use up what
                    # the person may try: the retry after the error page would be capped.
                    throttling.give_back(check.address_key)
                    raise
                return redirect(done_url)
        elif check.pow_needed:
            pow_challenge = throttling.pow_challenge()  # for the corrected form
    else:
        form = None  # made only when the page is rendered (not when it comes from _PAGES)
        if throttling.pow_required(ip_key=f"sign:{ip_key}"):
            pow_challenge = throttling.pow_challenge()
    whole, mine = selectors.public_counts(petition=petition, version=version)

    def context() -> dict:
        nonlocal form
        if form is None:
            initial = {name: request.GET.get(name, "")[:100] for name in ATTRIBUTION}
            form = SignForm(
                initial=initial, petition=petition, language=lang, versions=versions, version=version
            )
        fields = None
        if not form.is_bound and not any(form.initial.get(name) for name in ATTRIBUTION):
            fields = _fields_html(form, petition=petition, versions=versions, version=version, lang=lang)
        return {
            "petition": petition,
            "version": version,
            "title": version.title(lang) if version else petition.title(lang),
            "text": version.text(lang) if version else petition.text(lang),
            "target": version.target if version else petition.target_description,
            "counts": whole,
            "version_counts": mine,
            "form": form,
            "form_fields": fields,
            "pow_challenge": pow_challenge,
            "lang": lang,
            "language_links": _language_links(request, lang),
            "versions": versions,
            **(extra or {}),
        }

    if form is None and not extra and not request.GET:
        key = _page_key(
            request,
            petition=petition,
            version=version,
            versions=versions,
            counts=(whole, mine),
            pow_challenge=pow_challenge,
            lang=lang,
            template=template,
        )
        return _page_from_cache(request, key, context, pow_challenge=pow_challenge, template=template)
    return render(request, template, context())


def _thanks_url(petition: Petition, version: PetitionVersion | None, lang: str) -> str:
    url = reverse("petitions_public:thanks", kwargs={"lang": lang, "slug": petition.slug})
    return f"{url}?campus={version.code}" if version else url


@public
@in_language
@require_http_methods(["GET", "POST"])
def petition_page(request: HttpRequest, lang: str, slug: str, code: str | None = None) -> HttpResponse:
    petition, versions, version = _public_petition(slug, code)
    if code and version is None:
        raise Http404
    return _sign(
        request,
        versions=versions,
        petition=petition,
        version=version,
        lang=lang,
        template="petitions/public/petition.html",
        done_url=_thanks_url(petition, version, lang),
    )


@public
@require_GET
def petition_redirect(request: HttpRequest, slug: str) -> HttpResponse:
    """/p/<slug>/ → the page in the visitor's language (LocaleMiddleware's choice), query kept."""
    lang = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    lang = lang if lang in LANGUAGES else settings.LANGUAGE_CODE
    url = reverse("petitions_public:petition", kwargs={"lang": lang, "slug": slug})
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


@public
@in_language
@require_GET
def thanks(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    petition, _versions, version = _public_petition(slug, request.GET.get("campus"))
    return render(
        request,
        "petitions/public/thanks.html",
        {
            "petition": petition,
            "title": version.title(lang) if version else petition.title(lang),
            "share_links": share_links(petition=petition, version=version, lang=lang),
            "lang": lang,
            "language_links": _language_links(request, lang),
            "days": signing.TOKEN_DAYS,
        },
    )


@public
@in_language
@require_http_methods(["GET", "POST"])
def signature_confirm(request: HttpRequest, lang: str, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    context = {"lang": lang, "language_links": _language_links(request, lang)}
    if request.method == "POST":
        # Tokens are signed, so guessing is hopeless; the limit keeps a flood off the database.
        retry = throttling.hit("ip", f"confirm:{throttling.ip_hash(throttling.ip_of(request))}")
        if retry:
            return _too_many(request, retry, lang=lang)
        signature = signing.signature_confirm(token=token)
        if signature is None:
            return render(request, "petitions/public/link_invalid.html", context, status=410)
        url = reverse("petitions_public:confirmed", kwargs={"lang": lang, "slug": signature.petition.slug})
        return redirect(f"{url}?campus={signature.version.code}" if signature.version else url)
    signature = signing.signature_for_token(token=token)
    if signature is None:
        return render(request, "petitions/public/link_invalid.html", context, status=410)
    petition = signature.petition
    context |= {"title": signature.version.title(lang) if signature.version else petition.title(lang)}
    response = render(request, "petitions/public/confirm.html", context)
    # The token is in the URL: never let it leak to another site through the Referer header.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


@public
@in_language
@require_GET
def confirmed(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    petition, _versions, version = _public_petition(slug, request.GET.get("campus"))
    whole, mine = selectors.public_counts(petition=petition, version=version)
    return render(
        request,
        "petitions/public/confirmed.html",
        {
            "petition": petition,
            "version": version,
            "title": version.title(lang) if version else petition.title(lang),
            "counts": whole,
            "version_counts": mine,
            "share_links": share_links(petition=petition, version=version, lang=lang),
            "lang": lang,
            "language_links": _language_links(request, lang),
        },
    )


def _frame_ancestors() -> list[str]:
    return [CSP.SELF, *getattr(settings, "CAMPUSVOICE_EMBED_ALLOWED_HOSTS", [])]


@public
@xframe_options_exempt
# Third-party pages frame this form: the CSRF cookie is SameSite=Lax and never reaches a framed
# cross-site POST. Nothing here acts for a signed-in member, and signing still needs the e-mail
# confirmation, the rate limits and (under load) the puzzle.
@csrf_exempt
@in_language
@require_http_methods(["GET", "POST"])
def embed(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    petition, versions, version = _public_petition(slug, request.GET.get("campus"))
    query = {"lang": lang, "done": "1"} | ({"campus": version.code} if version else {})
    response = _sign(
        request,
        petition=petition,
        versions=versions,
        version=version,
        lang=lang,
        template="petitions/public/embed.html",
        done_url=f"{request.path}?{urlencode(query)}",
        extra={"done": request.GET.get("done") == "1", "action": request.get_full_path()},
    )
    # Only this view may be framed, and only by the hosts in CAMPUSVOICE_EMBED_ALLOWED_HOSTS.
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": _frame_ancestors()}
    return response


# Stories and opinions ------------------------------------------------------------------------


def support_resources(*, university: University | None, campaign: Campaign) -> list[SupportResource]:
    """The campus's own offices first, then national lines for its country (or the campaign's)."""
    if university is not None:
        countries = {university.country}
        resources = SupportResource.objects.filter(
            Q(university=university) | Q(university__isnull=True, country__in=countries)
        )
    else:
        countries = set(campaign.universities.values_list("country", flat=True))
        resources = SupportResource.objects.filter(university__isnull=True, country__in=countries)
    return sorted(resources, key=lambda r: (r.university_id is None, r.country, r.name))


@public
@in_language
@require_http_methods(["GET", "POST"])
def story_create(request: HttpRequest, lang: str, campaign_slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=campaign_slug)
    context = {"campaign": campaign, "lang": lang, "language_links": _language_links(request, lang)}
    if request.method == "POST":
        ip_key = throttling.ip_hash(throttling.ip_of(request))
        retry = throttling.hit("ip", f"story:{ip_key}")
        if retry:
            return _too_many(request, retry, lang=lang)
        form = StoryForm(request.POST, campaign=campaign)
        if request.POST.get(HONEYPOT):
            return render(
                request, "petitions/public/story_thanks.html", context | {"resources": [], "token": None}
            )
        if form.is_valid():
            data = form.cleaned_data
            story, token = stories.story_submit(
                campaign=campaign,
                university=data["university"],
                kind=data["kind"],
                text=data["text"],
                language=lang,
                consent_text=form.consent_text(),
                display_name=data["display_name"],
                contact_email=data["contact_email"] or "",
                consent_contact=data["consent_contact"],
                consent_quote_anonymously=data["consent_quote_anonymously"],
                consent_publish_named=data["consent_publish_named"],
                ip_hash=ip_key,
            )
            response = render(
                request,
                "petitions/public/story_thanks.html",
                context
                | {
                    "resources": support_resources(university=story.university, campaign=campaign),
                    "withdraw_url": settings.SITE_URL.rstrip("/")
                    + reverse("petitions_public:story-withdraw", kwargs={"lang": lang, "token": token}),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    else:
        form = StoryForm(initial={"university": request.GET.get("campus")}, campaign=campaign)
    return render(request, "petitions/public/story_form.html", context | {"form": form})


@public
@in_language
@require_http_methods(["GET", "POST"])
def story_withdraw(request: HttpRequest, lang: str, token: str) -> HttpResponse:
    """GET asks "withdraw?" and changes nothing; POST withdraws."""
    context = {"lang": lang, "language_links": _language_links(request, lang)}
    story = stories.story_for_token(token=token)
    if story is None:
        return render(request, "petitions/public/link_invalid.html", context, status=410)
    if request.method == "POST":
        stories.story_withdraw(token=token)
        context["withdrawn"] = True
    else:
        context["withdrawn"] = story.status == story.Status.WITHDRAWN
    response = render(request, "petitions/public/story_withdraw.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
