import pytest
from django.utils import translation

from campusvoice.campuses.models import University
from campusvoice.campuses.priority import (
    Candidate,
    Weights,
    percentile_rank,
    priority_candidates,
    priority_ranking,
    priority_score,
)
from campusvoice.campuses.selectors import university_totals
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    IncidentStatisticFactory,
    UniversityFactory,
)

# Three campuses, worked by hand (weights 1, 2, 1; their sum is 4):
#   A: 1,000 students, 1 incident  -> 10 per 10k; no groups or contacts
#   B: 2,000 students, 4 incidents -> 20 per 10k; 5 relationships
#   C: 4,000 students, no figures  -> no rate;    2 relationships
# Enrollment percentiles among [1000, 2000, 4000]: A 0, B 0.5, C 1.
# Rate percentiles among [10, 20]: A 0, B 1; C has none, so 0.
# Relationships, min(n, 5) / 5: A 0, B 1, C 0.4.
# Totals, 100 × (1·E + 2·I + 1·R) / 4: A 0, B 87.5, C 35.
A = Candidate(university_id=1, enrollment=1_000, incidents=1, relationships=0)
B = Candidate(university_id=2, enrollment=2_000, incidents=4, relationships=5)
C = Candidate(university_id=3, enrollment=4_000, incidents=None, relationships=2)


def test_it_scores_against_hand_computed_totals_best_first():
    scores = priority_score(candidates=[A, B, C], weights=Weights(enrollment=1, incidents=2, relationships=1))

    assert [s.candidate.university_id for s in scores] == [2, 3, 1]
    assert [round(s.total, 6) for s in scores] == [87.5, 35.0, 0.0]


def test_its_component_points_add_up_to_the_total():
    b = priority_score(candidates=[A, B, C], weights=Weights(1, 2, 1))[0]

    assert {c.key: round(c.points, 6) for c in b.components} == {
        "enrollment": 12.5,
        "incidents": 50.0,
        "relationships": 25.0,
    }
    assert sum(c.points for c in b.components) == pytest.approx(b.total)
    assert b.component("incidents").value == pytest.approx(20.0)
    assert b.component("enrollment").normalised == pytest.approx(0.5)


def test_it_explains_the_score_in_one_line():
    b = priority_score(candidates=[A, B, C], weights=Weights(1, 2, 1))[0]

    with translation.override("en"):
        reason = b.reason()
    with translation.override("it"):
        italian = b.reason()

    assert reason == (
        "Score 87.5 = enrollment 2,000 (percentile 50) → 12.5"
        " + incidents per 10,000 students 20.0 (percentile 100) → 50.0"
        " + 5 groups and contacts → 25.0"
    )
    assert "2.000" in italian and "87,5" in italian


def test_it_follows_the_weights():
    scores = priority_score(candidates=[A, B, C], weights=Weights(enrollment=1, incidents=0, relationships=0))

    assert [(s.candidate.university_id, round(s.total, 6)) for s in scores] == [
        (3, 100.0),
        (2, 50.0),
        (1, 0.0),
    ]


def test_it_scores_everyone_zero_when_every_weight_is_zero():
    scores = priority_score(candidates=[A, B], weights=Weights(0, 0, 0))

    assert [s.total for s in scores] == [0.0, 0.0]


def test_it_gives_ties_the_midpoint_percentile():
    assert percentile_rank(5, [5, 5, 5, 10]) == pytest.approx(1 / 3)
    assert percentile_rank(10, [5, 5, 5, 10]) == 1.0
    assert percentile_rank(7, [7]) == 1.0
    assert percentile_rank(None, [1, 2]) == 0.0


def test_it_caps_relationships_at_five():
    many = Candidate(university_id=9, enrollment=None, incidents=None, relationships=12)

    (score,) = priority_score(candidates=[many], weights=Weights(0, 0, 1))

    assert score.total == pytest.approx(100.0)
    assert score.component("enrollment").value is None


@pytest.mark.django_db
def test_it_estimates_enrollment_from_the_mur_size_band():
    UniversityFactory(country="IT", enrollment_total=None, enrollment_band="da 10.000 a 19.999")

    (candidate,) = priority_candidates(universities=University.objects.all(), totals=university_totals())

    assert candidate.enrollment == 15_000
    assert candidate.enrollment_estimated


@pytest.mark.django_db
def test_it_ranks_the_directory_with_filters_and_relationships_from_the_database():
    small = UniversityFactory(name="Small", enrollment_total=1_000)
    big = UniversityFactory(name="Big", enrollment_total=30_000)
    UniversityFactory(name="Elsewhere", country="IT", enrollment_total=50_000)
    IncidentStatisticFactory(university=small, count=5)
    CampusGroupFactory(university=big)
    ContactFactory(university=big)

    ranking = priority_ranking(weights=Weights(1, 0, 1), country="US")

    assert [r.university.name for r in ranking] == ["Big", "Small"]
    assert ranking[0].rank == 1
    assert ranking[0].score.component("relationships").value == 2
    # Big: enrollment percentile 1 -> 50 points; 2 relationships = 0.4 -> 20 points.
    assert ranking[0].score.total == pytest.approx(70.0)

    assert [r.university.name for r in priority_ranking(weights=Weights(), min_enrollment=20_000)] == [
        "Elsewhere",
        "Big",
    ]
