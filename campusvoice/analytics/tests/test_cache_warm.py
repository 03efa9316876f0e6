import pytest
from django.core.cache import cache
from django.utils import translation

from campusvoice.analytics import selectors, services
from campusvoice.campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def _table_key(campaign):
    period = selectors.period_default(campaign=campaign)
    return selectors.table_cache_key(
        generation=selectors.summary_generation(), campaign=campaign, period=period
    )


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_refresh_leaves_the_default_view_warm_for_every_language(small, django_assert_max_num_queries):
    services.analytics_refresh()

    assert cache.get(_table_key(None)) is not None
    # One cached entry serves both languages: the figures are worded when they are read.
    period = selectors.period_default(campaign=None)
    for language, label in (("en", "Students enrolled"), ("it", "Persone iscritte")):
        with translation.override(language), django_assert_max_num_queries(1):  # the generation only
            rows = selectors.campus_table_cached(campaign=None, period=period)
        assert rows[0].enrollment.label == label


def test_the_cached_table_is_small_and_gives_the_figures_computed_afresh(small):
    import pickle

    services.analytics_refresh()
    period = selectors.period_default(campaign=small.campaign)
    selectors.campus_table_cached(campaign=small.campaign, period=period)  # fills the cache

    cached = selectors.campus_table_cached(campaign=small.campaign, period=period)

    assert cached == selectors.campus_table(campaign=small.campaign, period=period)
    # Numbers, dates and names only: no labels, sources or caveats (about 1 KB per campus).
    entry = cache.get(_table_key(small.campaign))
    assert isinstance(entry, selectors.TableInputs)
    assert len(pickle.dumps(entry)) < 1_500 * len(entry.campuses)
    assert b"enrolled" not in pickle.dumps(entry)


def test_the_refresh_warms_the_campaign_the_front_page_opens_on(small):
    Campaign.objects.filter(pk=small.campaign.pk).update(status=Campaign.Status.RUNNING)

    services.analytics_refresh()

    assert cache.get(_table_key(small.campaign)) is not None


def test_a_warm_first_request_reads_no_summary_table(small, django_assert_max_num_queries):
    services.analytics_refresh()
    period = selectors.period_default(campaign=None)

    with translation.override("it"), django_assert_max_num_queries(1):  # the generation only
        rows = selectors.campus_table_cached(campaign=None, period=period)

    assert {r.name for r in rows} == {"Alpha University", "Beta University"}


def test_warming_twice_computes_nothing_the_second_time(small, django_assert_num_queries):
    services.analytics_refresh()

    # The first-visit campaign (none running here) and the generation: nothing is recomputed.
    with django_assert_num_queries(1 + 1):
        assert services.dashboard_cache_warm() == 1


def test_the_task_warms_the_cache_too(small):
    from campusvoice.analytics import tasks

    tasks.analytics_refresh.enqueue("all")

    assert cache.get(_table_key(None)) is not None
