"""Reads for petitions: counters, signature search, the mail queue, stories."""

import functools
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

from campusvoice.ops import prepared
from campusvoice.petitions.models import OutgoingEmail, Petition, PetitionVersion, Signature, Story
from campusvoice.petitions.throttling import CACHE_DOWN

COUNTS_CACHE_SECONDS = 5


@dataclass(frozen=True)
class Counts:
    confirmed: int = 0
    unconfirmed: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.unconfirmed


def _counts(signatures: QuerySet) -> Counts:
    row = signatures.aggregate(
        confirmed=Count("pk", filter=Q(status=Signature.Status.CONFIRMED)),
        unconfirmed=Count("pk", filter=Q(status=Signature.Status.UNCONFIRMED)),
    )
    return Counts(confirmed=row["confirmed"], unconfirmed=row["unconfirmed"])


def petition_counts(*, petition: Petition) -> Counts:
    """Confirmed and unconfirmed signatures (voided ones are not counted)."""
    return _counts(Signature.objects.filter(petition=petition))


def version_counts(*, petition: Petition) -> dict[int | None, Counts]:
    """Counts per campus version id (None: signers who chose no campus)."""
    rows = (
        Signature.objects.filter(petition=petition)
        .values("version_id")
        .annotate(
            confirmed=Count("pk", filter=Q(status=Signature.Status.CONFIRMED)),
            unconfirmed=Count("pk", filter=Q(status=Signature.Status.UNCONFIRMED)),
        )
        .order_by()
    )
    return {r["version_id"]: Counts(r["confirmed"], r["unconfirmed"]) for r in rows}


def public_counts(*, petition: Petition, version: PetitionVersion | None) -> tuple[Counts, Counts | None]:
    """The public page's counters, cached for a few seconds so a busy page costs one query a while."""
    key = f"cv:petition-counts:{petition.pk}:{version.pk if version else 0}"
    try:
        cached = cache.get(key)
    except CACHE_DOWN:  # Redis restarting: count from the database rather than fail the page
        cached, key = None, ""
    if cached is None:
        whole = petition_counts(petition=petition)
        mine = _counts(Signature.objects.filter(version=version)) if version else None
        cached = (whole, mine)
        if key:
            try:
                cache.set(key, cached, COUNTS_CACHE_SECONDS)
            except CACHE_DOWN:
                pass
    return cached


def petitions_list() -> QuerySet[Petition]:
    return Petition.objects.select_related("campaign").annotate(
        confirmed=Count("signatures", filter=Q(signatures__status=Signature.Status.CONFIRMED)),
        unconfirmed=Count("signatures", filter=Q(signatures__status=Signature.Status.UNCONFIRMED)),
    )


# The public pages' petition and its campus versions, kept per process. Each call checks them with
# one small query (no ORM: building a query costs more CPU than running this one) of what could
# have changed: the rows' updated_at (every save sets it), is_open and the number of versions.
_PUBLIC: dict[str, tuple[tuple, Petition, list[PetitionVersion]]] = {}
_PUBLIC_MAX = 200


@functools.cache
def _stamp_sql() -> str:
    petition, version = Petition._meta.db_table, PetitionVersion._meta.db_table
    campaign = Petition._meta.get_field("campaign").related_model._meta.db_table
    university = PetitionVersion._meta.get_field("university").related_model._meta.db_table
    # Table names from the models; the slug is a parameter.
    sql = "SELECT p.id, p.updated_at, p.is_open, c.updated_at,"
    sql += " (SELECT COUNT(*) FROM {version} v WHERE v.petition_id = p.id),"
    sql += " (SELECT MAX(v.updated_at) FROM {version} v WHERE v.petition_id = p.id),"
    sql += " (SELECT MAX(u.updated_at) FROM {version} v JOIN {university} u ON u.id = v.university_id"
    sql += " WHERE v.petition_id = p.id)"
    sql += " FROM {petition} p JOIN {campaign} c ON c.id = p.campaign_id WHERE p.slug = %s"
    return sql.format(petition=petition, version=version, campaign=campaign, university=university)


def public_petition(*, slug: str) -> tuple[Petition, list[PetitionVersion]]:
    """The petition behind a public page (open or closed) and its campus versions by campus name.

    The objects are shared by the requests of this process: read them, never change them.
    Raises Petition.DoesNotExist.
    """
    stamp = prepared.fetchone(_stamp_sql(), [slug])
    if stamp is None:
        raise Petition.DoesNotExist
    cached = _PUBLIC.get(slug)
    if cached is not None and cached[0] == tuple(stamp):
        return cached[1], cached[2]
    # Read after the stamp: a change in between shows as a new stamp on the next call.
    petition = Petition.objects.select_related("campaign").get(slug=slug)
    versions = list(petition.versions.select_related("university").order_by("university__name"))
    if len(_PUBLIC) >= _PUBLIC_MAX:
        _PUBLIC.clear()
    _PUBLIC[slug] = (tuple(stamp), petition, versions)
    return petition, versions


def signatures_search(*, petition: Petition, q: str = "", status: str = "", version: int | None = None):
    signatures = Signature.objects.filter(petition=petition).select_related("version__university")
    if q:
        q = q.strip()
        signatures = signatures.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(ref__iexact=q))
    if status:
        signatures = signatures.filter(status=status)
    if version:
        signatures = signatures.filter(version_id=version)
    return signatures.order_by("-created_at", "-pk")


def outgoing_emails() -> QuerySet[OutgoingEmail]:
    return OutgoingEmail.objects.order_by("-created_at", "-pk")


def stories_for_review(*, status: str = "") -> QuerySet[Story]:
    """Stories for moderators (the view requires inbox.disclosures), newest first."""
    stories = Story.objects.select_related("campaign", "university", "reviewed_by")
    if status:
        stories = stories.filter(status=status)
    return stories.order_by("-created_at", "-pk")
