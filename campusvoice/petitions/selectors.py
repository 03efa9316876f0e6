"""Reads for petitions: counters, signature search, the mail queue, stories."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

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


def open_petition(*, slug: str) -> Petition:
    """A petition the public may see (open or closed: a closed page still shows its counts)."""
    return Petition.objects.select_related("campaign").get(slug=slug)


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
