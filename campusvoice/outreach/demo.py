"""Demo outreach: letter templates (EN and IT for each kind), the demo campaign's letters with a
few sent, campus groups at every stage of the pipeline, and articles found in a local feed file.

Nothing is fetched from the internet: demo_feed.xml is parsed from disk. Running it again
changes nothing.
"""

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import CampusGroup, Contact, StudentNewspaper
from campusvoice.outreach.models import Article, Letter, LetterKind, LetterTemplate, Stage
from campusvoice.outreach.services import coverage, documents, relationships
from campusvoice.outreach.services.letters import letter_email, letter_template_save, letters_prepare

CAMPAIGN_SLUG = "consent-on-campus-2026"  # campusvoice/conversations/demo.py
FEED = Path(__file__).with_name("demo_feed.xml")

_FACTS_EN = """{% if campus.enrollment %}{{ campus.name }} enrols {{ campus.enrollment.total }} students{% if campus.enrollment.source %} ({{ campus.enrollment.source }}){% endif %}.{% endif %}
{% if campus.incidents %}In {{ campus.incidents.year }}, {{ campus.incidents.total }} incidents were reported on campus{% if campus.incidents.source %} ({{ campus.incidents.source }}){% endif %}.{% endif %}
{% if students.on_topic_comments %}During the campaign {{ students.on_topic_comments }} comments from your campus were about consent and support.{% endif %}
{% if reach.share_percent %}We estimate that our posts reached about {{ reach.share_percent }}% of your students.{% endif %}
{% if petition %}{{ petition.confirmed_signatures }} people from {{ campus.name }} have signed “{{ petition.title }}”.{% endif %}
{% for quote in students.quotes %}“{{ quote }}”
{% endfor %}"""

_FACTS_IT = """{% if campus.enrollment %}{{ campus.name }} conta {{ campus.enrollment.total }} iscritti{% if campus.enrollment.source %} ({{ campus.enrollment.source }}){% endif %}.{% endif %}
{% if students.on_topic_comments %}Durante la campagna {{ students.on_topic_comments }} commenti dal vostro ateneo hanno parlato di consenso e sostegno.{% endif %}
{% if reach.share_percent %}Stimiamo che i nostri post abbiano raggiunto circa il {{ reach.share_percent }}% degli studenti.{% endif %}
{% if petition %}{{ petition.confirmed_signatures }} persone di {{ campus.name }} hanno firmato “{{ petition.title }}”.{% endif %}
{% for quote in students.quotes %}«{{ quote }}»
{% endfor %}"""

TEMPLATES = [
    (
        LetterKind.PRESIDENT,
        "en",
        "{{ campaign.name }}: what students at {{ campus.name }} told us",
        "Dear {{ recipient.title }},\n\nWe are writing on behalf of {{ organisation.name }} about {{ campaign.name }}.\n\n"
        + _FACTS_EN
        + "\nWe would welcome a meeting to discuss confidential reporting and consent education.\n\n"
        "Yours sincerely,\n{{ organisation.name }}",
    ),
    (
        LetterKind.PRESIDENT,
        "it",
        "{{ campaign.name }}: cosa ci hanno detto gli studenti di {{ campus.name }}",
        "Gentile {{ recipient.title }},\n\nLe scriviamo per conto di {{ organisation.name }} a proposito di "
        "{{ campaign.name }}.\n\n"
        + _FACTS_IT
        + "\nSaremmo lieti di incontrarLa per parlare di uno sportello "
        "di ascolto e di formazione sul consenso.\n\nCordiali saluti,\n{{ organisation.name }}",
    ),
    (
        LetterKind.TITLE_IX,
        "en",
        "Working together on {{ campaign.name }}",
        "Dear {{ recipient.title }},\n\n"
        + _FACTS_EN
        + "\nWe would like to share our materials with your office."
        "\n\nBest regards,\n{{ organisation.name }}",
    ),
    (
        LetterKind.TITLE_IX,
        "it",
        "Collaborare per {{ campaign.name }}",
        "Gentile {{ recipient.title }},\n\n" + _FACTS_IT + "\nVorremmo condividere i nostri materiali con il "
        "vostro ufficio.\n\nCordiali saluti,\n{{ organisation.name }}",
    ),
    (
        LetterKind.CAMPUS_GROUP,
        "en",
        "{{ campaign.name }} at {{ campus.name }}: shall we work together?",
        "Hello {{ recipient.organisation }},\n\n"
        + _FACTS_EN
        + "\nWe would love to share posts, posters and a "
        "petition with your members.\n\nThanks,\n{{ organisation.name }}",
    ),
    (
        LetterKind.CAMPUS_GROUP,
        "it",
        "{{ campaign.name }} a {{ campus.name }}: collaboriamo?",
        "Ciao {{ recipient.organisation }},\n\n"
        + _FACTS_IT
        + "\nCi piacerebbe condividere post, manifesti e "
        "una petizione con voi.\n\nGrazie,\n{{ organisation.name }}",
    ),
    (
        LetterKind.STUDENT_NEWSPAPER,
        "en",
        "Story idea: {{ campaign.name }} at {{ campus.name }}",
        "Dear editors of {{ recipient.organisation }},\n\n"
        + _FACTS_EN
        + "\nWe are happy to share figures and "
        "put you in touch with student groups.\n\nBest,\n{{ organisation.name }}",
    ),
    (
        LetterKind.STUDENT_NEWSPAPER,
        "it",
        "Spunto per un articolo: {{ campaign.name }} a {{ campus.name }}",
        "Gentile redazione di {{ recipient.organisation }},\n\n"
        + _FACTS_IT
        + "\nSiamo disponibili a condividere "
        "i dati e a mettervi in contatto con i collettivi.\n\nA presto,\n{{ organisation.name }}",
    ),
]


def templates_seed() -> dict:
    """The demo templates that do not exist yet; returns {kind: {language: template}}."""
    chosen: dict = {}
    for kind, language, subject, body in TEMPLATES:
        name = f"Demo: {LetterKind(kind).label} ({language})"
        template = LetterTemplate.objects.filter(name=name, kind=kind, language=language).first()
        if template is None:
            template = letter_template_save(
                template=LetterTemplate(name=name, kind=kind, language=language, subject=subject, body=body),
                by=None,
            )
        chosen.setdefault(kind, {})[language] = template
    return chosen


def _groups_and_papers(campaign: Campaign) -> list[CampusGroup]:
    groups = []
    for n, university in enumerate(campaign.universities.order_by("name")[:8]):
        italian = university.country == "IT"
        group = university.groups.order_by("pk").first()
        if group is None:
            group = CampusGroup.objects.create(
                university=university,
                name=("Collettivo Consenso " if italian else "Students for Consent at ") + university.name,
                kind=CampusGroup.Kind.SURVIVOR_SUPPORT,
                email=f"group{n}@students.example.edu",
            )
            Contact.objects.create(
                university=university,
                group=group,
                name=f"Demo Leader {n}",
                role=Contact.Role.GROUP_LEADER,
                email=f"leader{n}@students.example.edu",
                basis=Contact.Basis.LEGITIMATE_INTEREST,
                source="demo data",
            )
        groups.append(group)
        if not university.newspapers.exists():
            StudentNewspaper.objects.create(
                university=university,
                name=("La Voce di " if italian else "The Courier of ") + university.name,
                editor_name=f"Demo Editor {n}",
                editor_email=f"editor{n}@paper.example.edu",
                language="it" if italian else "en",
            )
    return groups


def load(*, stdout) -> None:
    """Add the demo outreach; running it again changes nothing."""
    with transaction.atomic():
        chosen = templates_seed()
        campaign = Campaign.objects.filter(slug=CAMPAIGN_SLUG).first()
        if campaign is None:
            stdout.write("outreach: letter templates only (no demo campaign to write letters for)\n")
            return
        if Letter.objects.filter(campaign=campaign).exists():
            stdout.write("outreach: demo outreach already loaded\n")
            return
        groups = _groups_and_papers(campaign)
        report = letters_prepare(campaign=campaign, template_by_kind=chosen, by=None)
        ready = [letter for letter in report.letters if letter.status == Letter.Status.DRAFT]
        for letter in ready[:2]:
            documents.letter_file(letter=letter, fmt="pdf", by=None)
        for letter in [letter for letter in ready[2:] if letter.recipient_email][:2]:
            letter_email(letter=letter, by=None)
        stages = list(Stage.values)
        while groups and len(groups) < len(stages):  # one group at every stage of the pipeline
            first = groups[0].university
            groups.append(
                CampusGroup.objects.create(
                    university=first,
                    name=f"Demo group {len(groups)} ({first.name})",
                    kind=CampusGroup.Kind.OTHER,
                )
            )
        tracked = 0
        for n, (group, stage) in enumerate(zip(groups, stages, strict=False)):
            relationship = relationships.relationship_create(
                campaign=campaign,
                group=group,
                by=None,
                next_step="Follow up on the letter" if n % 2 else "Plan a joint event",
                due_on=timezone.localdate() + dt.timedelta(days=7 - 3 * n),
            )
            relationships.relationship_move(relationship=relationship, stage=stage, by=None)
            tracked += 1
        relationships.relationships_mark_overdue()
        articles = _articles(campaign)
    stdout.write(
        f"outreach: {len(TEMPLATES)} letter templates, {len(report.letters)} letters "
        f"({len(report.failed)} need attention, 4 sent), {tracked} relationships, {articles} articles found\n"
    )


def _articles(campaign: Campaign) -> int:
    newspaper = (
        StudentNewspaper.objects.filter(university__in=campaign.universities.all()).order_by("pk").first()
    )
    entries = coverage.feed_parse(FEED.read_bytes())
    start = campaign.starts_on or timezone.localdate()
    for n, entry in enumerate(entries):
        # The file's dates are fixed; the demo campaign moves with today's date.
        entry.published = dt.datetime.combine(start + dt.timedelta(days=2 + 3 * n), dt.time(9), tzinfo=dt.UTC)
    new = coverage.entries_store(entries=entries, newspaper=newspaper)
    first = Article.objects.filter(campaign=campaign).order_by("pk").first()
    if first is not None:
        coverage.article_review(article=first, status=Article.Status.CONFIRMED, by=None)
    return new
