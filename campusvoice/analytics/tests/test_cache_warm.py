import pytest
from django.core.cache import cache
from django.utils import translation

from campusvoice.analytics import selectors, services
from campusvoice.campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def _table_key(campaign, language):
    period = selectors.period_default(campaign=campaign)
    return (
        f"analytics:table:{selectors.summary_generation()}:{campaign.pk if campaign else 0}:"
        f"{period.date_from}:{period.date_to}:{language}"
    )


def _series_key(campaign):
    period = selectors.period_default(campaign=campaign)
    return (
        f"analytics:series:{selectors.summary_generation()}:{campaign.pk if campaign else 0}:"
        f"{period.date_from}:{period.date_to}"
    )


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_refresh_leaves_the_default_view_warm_in_each_language(small):
    services.analytics_refresh()

    for language in ("en", "it"):
        assert cache.get(_table_key(None, language)) is not None
    assert cache.get(_series_key(None)) is not None


def test_the_refresh_warms_the_campaign_the_front_page_opens_on(small):
    Campaign.objects.filter(pk=small.campaign.pk).update(status=Campaign.Status.RUNNING)

    services.analytics_refresh()

    for language in ("en", "it"):
        assert cache.get(_table_key(small.campaign, language)) is not None
    assert cache.get(_series_key(small.campaign)) is not None


def test_a_warm_first_request_reads_no_summary_table(small, django_assert_max_num_queries):
    services.analytics_refresh()
    period = selectors.period_default(campaign=None)

    with translation.override("it"), django_assert_max_num_queries(1):  # the generation only
        rows = selectors.campus_table_cached(campaign=None, period=period)

    assert {r.name for r in rows} == {"Alpha University", "Beta University"}


def test_warming_twice_computes_nothing_the_second_time(small, django_assert_num_queries):
    services.analytics_refresh()

    # The first-visit campaign (none running here), then per language only the generation of the
    # table and of the series: nothing is recomputed.
    with django_assert_num_queries(1 + 2 * 2):
        assert services.dashboard_cache_warm() == 2  # every campaign, in English and Italian


def test_the_task_warms_the_cache_too(small):
    from campusvoice.analytics import tasks

    tasks.analytics_refresh.enqueue("all")

    assert cache.get(_table_key(None, "en")) is not None
