"""Upgrading a live deployment: the schema of the previous release, with data in it, migrates
forward to this code without losing a row.

RELEASES records each release's last migration per app (0.1.0 is the foundation that first
landed, commit 41331ff). When a release ships, add its line; the test always starts from the
newest recorded one, so every migration written since then is exercised on real rows.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

RELEASES = {
    "0.1.0": [
        ("accounts", "0001_initial"),
        ("analytics", "0001_initial"),
        ("api", "0001_initial"),
        ("campaigns", "0003_ally_allyitem_contenthistory_contentitem_and_more"),
        ("campuses", "0002_alter_shortlist_created_by"),
        ("conversations", "0003_comment_hidden_event_time_comment_is_placeholder_and_more"),
        ("meta", "0001_initial"),
        ("outreach", "0001_initial"),
        ("petitions", "0003_signature_erased_at"),
        ("supporters", "0001_initial"),
    ],
}
PREVIOUS = RELEASES["0.1.0"]


def latest_migrations() -> list[tuple[str, str]]:
    graph = MigrationLoader(connection, ignore_no_migrations=True).graph
    ours = {app for app, _ in PREVIOUS}
    return sorted(node for node in graph.leaf_nodes() if node[0] in ours)


def rows_at_previous_release(apps) -> dict:
    """A small organisation as 0.1.0 stored it: member, campus, campaign, inbox, person, petition."""
    User = apps.get_model("accounts", "User")
    University = apps.get_model("campuses", "University")
    Campaign = apps.get_model("campaigns", "Campaign")
    Channel = apps.get_model("conversations", "Channel")
    Post = apps.get_model("conversations", "Post")
    Comment = apps.get_model("conversations", "Comment")
    Person = apps.get_model("supporters", "Person")
    EmailAddress = apps.get_model("supporters", "EmailAddress")
    Petition = apps.get_model("petitions", "Petition")

    user = User.objects.create(email="olga@example.org", role="organiser", password="!")
    campus = University.objects.create(name="Università di Bologna", country="IT")
    campaign = Campaign.objects.create(name="Consent on campus", slug="consent", created_by=user)
    channel = Channel.objects.create(kind="facebook_page", platform_id="1001", name="Page")
    post = Post.objects.create(channel=channel, platform_id="1001_1", campaign=campaign)
    post.universities.add(campus)
    comment = Comment.objects.create(
        channel=channel,
        post=post,
        platform_id="1001_1_1",
        created_time=dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC),
        text="Where can I find the campus support office?",
    )
    person = Person.objects.create(campus=campus)
    EmailAddress.objects.create(person=person, address="ana@example.org", canonical="ana@example.org")
    petition = Petition.objects.create(
        campaign=campaign,
        slug="safer-campus",
        title_en="Safer campus",
        text_en="We ask…",
        consent_text_en="I agree",
        contact_text_en="Contact me",
        created_by=user,
    )
    return {
        ("accounts", "User"): user.pk,
        ("campuses", "University"): campus.pk,
        ("campaigns", "Campaign"): campaign.pk,
        ("conversations", "Comment"): comment.pk,
        ("supporters", "Person"): person.pk,
        ("petitions", "Petition"): petition.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_the_previous_release_with_data_migrates_forward_without_losing_a_row(migrator):
    old_state = migrator.apply_initial_migration(PREVIOUS)
    created = rows_at_previous_release(old_state.apps)

    new_state = migrator.apply_tested_migration(latest_migrations())

    for (app, model), pk in created.items():
        assert new_state.apps.get_model(app, model).objects.filter(pk=pk).exists(), f"{app}.{model} lost"
    Comment = new_state.apps.get_model("conversations", "Comment")
    assert Comment.objects.get(pk=created[("conversations", "Comment")]).text.startswith("Where can I")
    Post = new_state.apps.get_model("conversations", "Post")
    assert Post.objects.get(platform_id="1001_1").universities.count() == 1
