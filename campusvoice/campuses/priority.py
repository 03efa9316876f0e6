"""The priority score: which campuses to target first, and why.

Plain functions over plain data, so the formula can be read, tested with hand-computed numbers
and explained on the page without a database.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from campusvoice.campuses.models import University
from campusvoice.campuses.selectors import size_band_for_label, university_totals

# Five or more groups and contacts on file count as a fully established relationship.
RELATIONSHIPS_FULL_AT = 5


@dataclass(frozen=True)
class Weights:
    enrollment: float = 1.0
    incidents: float = 2.0
    relationships: float = 1.0

    @property
    def total(self) -> float:
        return self.enrollment + self.incidents + self.relationships


@dataclass(frozen=True)
class Candidate:
    university_id: int
    enrollment: int | None
    incidents: int | None  # reported in the window; None = no figures
    relationships: int = 0  # campus groups + contacts on file
    enrollment_estimated: bool = False  # taken from a size band, not a head count

    @property
    def incidents_per_10k(self) -> float | None:
        if self.incidents is None or not self.enrollment:
            return None
        return self.incidents * 10_000 / self.enrollment


@dataclass(frozen=True)
class Component:
    key: str  # "enrollment", "incidents" or "relationships"
    value: float | None  # the raw figure (students, incidents per 10k, relationships)
    normalised: float  # 0 to 1
    weight: float
    points: float  # this component's share of the 0-100 total


@dataclass(frozen=True)
class Score:
    candidate: Candidate
    total: float
    components: tuple[Component, ...] = field(default_factory=tuple)

    def component(self, key: str) -> Component:
        return next(c for c in self.components if c.key == key)

    def reason(self) -> str:
        """One line, in the active language, that shows how the total adds up (kept on shortlists)."""
        enrollment, incidents, relationships = (self.component(k) for k in _KEYS)

        def figure(value, decimals):
            return _("no figure") if value is None else number_format(value, decimals, force_grouping=True)

        def points(component):
            return number_format(component.points, 1)

        parts = [
            _("enrollment %(value)s (percentile %(pct)s) → %(points)s")
            % {
                "value": figure(enrollment.value, 0),
                "pct": number_format(enrollment.normalised * 100, 0),
                "points": points(enrollment),
            },
            _("incidents per 10,000 students %(value)s (percentile %(pct)s) → %(points)s")
            % {
                "value": figure(incidents.value, 1),
                "pct": number_format(incidents.normalised * 100, 0),
                "points": points(incidents),
            },
            _("%(value)s groups and contacts → %(points)s")
            % {"value": figure(relationships.value, 0), "points": points(relationships)},
        ]
        return _("Score %(total)s = %(parts)s") % {
            "total": number_format(self.total, 1),
            "parts": " + ".join(parts),
        }


_KEYS = ("enrollment", "incidents", "relationships")


def percentile_rank(value: float | None, ordered: Sequence[float]) -> float:
    """Where `value` sits among `ordered` (sorted, non-empty), from 0 (lowest) to 1 (highest).

    (values below + half of the other values equal to it) / (count − 1); ties share the
    midpoint, and a lone value is 1. None (no figure) is 0.
    """
    if value is None or not ordered:
        return 0.0
    if len(ordered) == 1:
        return 1.0
    below = bisect_left(ordered, value)
    equal = bisect_right(ordered, value) - below
    return (below + (equal - 1) / 2) / (len(ordered) - 1)


def priority_score(*, candidates: Sequence[Candidate], weights: Weights) -> list[Score]:
    """Score each candidate from 0 to 100 and return them best first (ties keep input order).

    total = 100 × (w_e × E + w_i × I + w_r × R) / (w_e + w_i + w_r), where

    - E, enrollment: the campus's percentile rank among the candidates with an enrollment
      figure (a size band's midpoint stands in where only the band is known, as for MUR's
      Italian universities). Percentiles rather than raw numbers because enrollment is heavily
      skewed: a few 60,000-student campuses would otherwise squash everyone else towards 0.
    - I, reported incidents: the percentile rank of reported incidents per 10,000 students
      (on-campus Clery figures summed over the last three years available, all seven offence
      categories; see selectors.INCIDENT_CATEGORIES) among the candidates that have a rate.
      Percentiles again, because rates from small colleges have a long tail.
    - R, existing relationships: campus groups plus contacts on file, min(n, 5) / 5. Not a
      percentile: most campuses have none, and a campaign gains little from a sixth contact.

    A missing figure scores 0 for that component. Percentiles are relative to the candidates
    passed in, so narrowing the filter changes the scores; shortlists store the score and the
    reason as they were when the campus was added. Each component's `points` is its share of the
    total, so the points add up to the total. If every weight is 0, every total is 0.
    """
    enrollments = sorted(c.enrollment for c in candidates if c.enrollment is not None)
    rates = sorted(c.incidents_per_10k for c in candidates if c.incidents_per_10k is not None)
    weight_sum = weights.total
    scores = []
    for candidate in candidates:
        normalised = {
            "enrollment": percentile_rank(candidate.enrollment, enrollments),
            "incidents": percentile_rank(candidate.incidents_per_10k, rates),
            "relationships": min(candidate.relationships, RELATIONSHIPS_FULL_AT) / RELATIONSHIPS_FULL_AT,
        }
        values = {
            "enrollment": candidate.enrollment,
            "incidents": candidate.incidents_per_10k,
            "relationships": candidate.relationships,
        }
        components = tuple(
            Component(
                key=key,
                value=values[key],
                normalised=normalised[key],
                weight=getattr(weights, key),
                points=100 * getattr(weights, key) * normalised[key] / weight_sum if weight_sum else 0.0,
            )
            for key in _KEYS
        )
        scores.append(
            Score(candidate=candidate, total=sum(c.points for c in components), components=components)
        )
    return sorted(scores, key=lambda s: -s.total)


def priority_candidates(
    *, universities: Iterable[University], totals: dict[str, dict[int, int]]
) -> list[Candidate]:
    """Candidates from universities and selectors.university_totals()."""
    candidates = []
    for u in universities:
        enrollment, estimated = u.enrollment_total, False
        if enrollment is None and (band := size_band_for_label(u.enrollment_band)):
            enrollment, estimated = band.estimate, True
        candidates.append(
            Candidate(
                university_id=u.pk,
                enrollment=enrollment,
                incidents=totals["incidents"].get(u.pk),
                relationships=totals["groups"].get(u.pk, 0) + totals["contacts"].get(u.pk, 0),
                enrollment_estimated=estimated,
            )
        )
    return candidates


@dataclass(frozen=True)
class Ranked:
    score: Score
    university: University
    rank: int


def priority_ranking(
    *, weights: Weights, country: str = "", min_enrollment: int | None = None
) -> list[Ranked]:
    """Campuses ranked for a campaign, best first, each with its explained score.

    `min_enrollment` applies to the enrollment the score uses (a size band's midpoint where
    there is no head count), so Italian campuses are not dropped for lacking one.
    """
    universities = University.objects.only(
        "pk", "name", "city", "region", "country", "enrollment_total", "enrollment_band", "enrollment_year"
    )
    if country:
        universities = universities.filter(country__iexact=country)
    by_pk = {u.pk: u for u in universities.order_by("name", "pk")}
    candidates = priority_candidates(universities=by_pk.values(), totals=university_totals())
    if min_enrollment:
        candidates = [c for c in candidates if c.enrollment is not None and c.enrollment >= min_enrollment]
    scores = priority_score(candidates=candidates, weights=weights)
    return [
        Ranked(score=score, university=by_pk[score.candidate.university_id], rank=rank)
        for rank, score in enumerate(scores, start=1)
    ]
