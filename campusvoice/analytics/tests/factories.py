"""Factories for the analytics tests: reach snapshots, plus the other apps' own factories."""

import datetime as dt

import factory

from campusvoice.campaigns.models import ReachSnapshot
from campusvoice.petitions.tests.factories import CampaignFactory  # noqa: F401 (re-exported)


class ReachSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReachSnapshot

    level = ReachSnapshot.Level.AD_SET
    source = ReachSnapshot.Source.ADS_EXPORT
    platform_id = factory.Sequence(lambda n: f"2384{n:08d}")
    name = factory.Sequence(lambda n: f"Ad set {n}")
    date_start = dt.date(2026, 10, 1)
    date_stop = dt.date(2026, 10, 31)
