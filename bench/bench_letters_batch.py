"""Twenty letters after a push: prepare the batch, all as PDF and Word (ZIP), all by e-mail.

    python -m bench letters_batch

Twenty campuses, each with a president's address, a question post with twenty answers (so the
themes are clustered per campus), signatures and a reach figure; one president template. Times
the three organiser actions of issue 8 through their services (e-mail into Django's in-memory
backend, so SMTP time is not counted), and the themes clustering alone, with scikit-learn's
default thread pool and with one thread (what outreach.selectors.student_themes uses).
"""

import datetime as dt
import time


def _setup():
    from django.utils import timezone

    from campusvoice.campaigns.models import Campaign, ReachSnapshot
    from campusvoice.campuses.models import Contact, University
    from campusvoice.conversations.models import Channel, Comment, Post
    from campusvoice.outreach.models import LetterKind, LetterTemplate

    campaign = Campaign.objects.create(
        name="Bench Week", slug="bench-week", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    channel = Channel.objects.create(kind=Channel.Kind.FACEBOOK_PAGE, platform_id="bench", name="Bench")
    texts = ["We need consent workshops in first year.", "More lighting on the walk home.", "Yes."]
    for i in range(20):
        campus = University.objects.create(
            name=f"Bench University {i:02d}", country="US", enrollment_total=10_000
        )
        campaign.universities.add(campus)
        Contact.objects.create(
            university=campus,
            role=Contact.Role.PRESIDENT,
            name=f"President {i}",
            email=f"president{i}@bench.example.edu",
            basis=Contact.Basis.PUBLIC_ROLE,
        )
        post = Post.objects.create(
            channel=channel,
            platform_id=f"bench_{i}",
            campaign=campaign,
            is_question=True,
            message="What would make campus safer?",
            published_at=timezone.now(),
        )
        post.universities.add(campus)
        for n in range(20):
            Comment.objects.create(
                post=post,
                channel=channel,
                platform_id=f"bench_{i}_{n}",
                author_platform_id=str(n),
                text=texts[n % 3],
                status="done",
                on_topic=True,
                created_time=timezone.now(),
                last_event_time=timezone.now(),
            )
        ReachSnapshot.objects.create(
            campaign=campaign,
            university=campus,
            level=ReachSnapshot.Level.AD_SET,
            source=ReachSnapshot.Source.MANUAL,
            name=f"bench-{i}",
            date_start=dt.date(2026, 3, 1),
            date_stop=dt.date(2026, 3, 31),
            reach=3_000,
        )
    template = LetterTemplate.objects.create(
        name="Bench",
        kind=LetterKind.PRESIDENT,
        subject="{{ campaign.name }} at {{ campus.name }}",
        body="{{ students.on_topic_comments }} comments; themes: {{ students.themes|join:', ' }}; "
        "reach {{ reach.share_percent }}%.",
    )
    return campaign, template


def main() -> None:
    import os

    from django.test import override_settings
    from threadpoolctl import threadpool_limits

    from campusvoice.campaigns.services.themes import answers_for, themes_cluster
    from campusvoice.outreach import selectors
    from campusvoice.outreach.services import documents
    from campusvoice.outreach.services.letters import letters_email_all, letters_prepare

    campaign, template = _setup()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    texts = answers_for(campaign=campaign, university_id=campaign.universities.first().pk)
    themes_cluster(texts=texts)  # warm up
    for label, limit in (("default threads", None), ("one thread", 1)):
        started = time.perf_counter()
        with threadpool_limits(limits=limit):
            for _ in range(10):
                themes_cluster(texts=texts)
        print(
            f"themes for one campus ({len(texts)} answers), {label}: {(time.perf_counter() - started) / 10:.3f} s"
        )

    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    ):
        steps = []
        started = time.perf_counter()
        report = letters_prepare(campaign=campaign, template_by_kind={"president": template}, by=None)
        steps.append(("prepare 20 letters", time.perf_counter() - started))
        letters = list(selectors.letters_for_campaign(campaign=campaign))
        started = time.perf_counter()
        data = documents.letters_zip(letters=letters, fmt="all", by=None)
        steps.append((f"ZIP of 20 PDF + 20 DOCX ({len(data) // 1024} KB)", time.perf_counter() - started))
        started = time.perf_counter()
        plan = letters_email_all(letters=letters, by=None)
        steps.append((f"e-mail {len(plan.to_send)} letters with PDFs", time.perf_counter() - started))
    assert len(report.letters) == 20 and not report.failed
    for label, seconds in steps:
        print(f"{label}: {seconds:.1f} s")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
