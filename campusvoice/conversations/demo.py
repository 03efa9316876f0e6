"""Demo inbox: a Page, a campaign, posts per demo campus, real public comments, reply templates.

The comments are real public texts from research data sets in SHARED_DATA_DIR, never invented
people: each comment's author is the data set ("AMI 2018 (public dataset)"). Attribution:
AMI 2018/2020 (Fersini, Nozza, Rosso, EVALITA), HaSpeeDe 2018 (Bosco et al., EVALITA; CC BY-NC-SA
4.0), iLISTEN 2018 (Basile & Novielli, EVALITA), SemEval-2016 Task 6 stance (Mohammad et al., via
TweetEval), SafeCity (Karlekar & Bansal, EMNLP 2018; research use only, permission from SafeCity
needed beyond it). Questions and supportive comments in the project's own classifier examples
(classifier/data/own_*.csv) are written by the project and marked "campusvoice example".
"""

import csv
import datetime as dt
import random
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campusvoice.accounts.models import Role, User
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import University
from campusvoice.conversations.models import Channel, Comment, OutboxAction, Post, ReplyTemplate
from campusvoice.conversations.outbox import outbox_action_mark_sent, outbox_action_queue
from campusvoice.conversations.services.triage import comments_triage

CHANNEL = ("demo", "Demo Facebook Page")
CAMPAIGN_SLUG = "consent-on-campus-2026"
OWN_DATA = Path(__file__).resolve().parent / "classifier" / "data"
SEED = 2026

SOURCES = {
    "ami2018": "AMI 2018 (public dataset)",
    "ami2020": "AMI 2020 (public dataset)",
    "haspeede": "HaSpeeDe 2018 (public dataset)",
    "ilisten": "iLISTEN 2018 (public dataset)",
    "stance": "SemEval-2016 stance (public dataset)",
    "safecity": "SafeCity (public dataset, research use)",
    "own": "campusvoice example",
}

POSTS = {
    "en": [
        ("Do you know where to report sexual misconduct at {campus}? Ask us anything below.", True),
        (
            "Consent is a yes that can change at any time. This week at {campus}: what does it mean to you?",
            False,
        ),
    ],
    "it": [
        ("Sai a chi rivolgerti all'{campus} se subisci molestie? Chiedici pure nei commenti.", True),
        (
            "Il consenso è un sì che si può sempre ritirare. Questa settimana all'{campus}: cosa significa per te?",
            False,
        ),
    ],
}

NEUTRAL_REPLY = {
    "en": "Thank you for writing. You can find the campus office and free support lines in our pinned post.",
    "it": "Grazie per averci scritto. Trovi lo sportello dell'ateneo e i numeri di supporto gratuiti nel post in evidenza.",
}

# Variables the inbox renders: {{ campus.name }}, {{ support_resources }} (a ready-made list),
# {{ organisation.name }}. Warm, short, no judgement, and no promise of confidentiality: a public
# comment thread is not confidential and we cannot promise what a campus office will do.
TEMPLATES = [
    (
        ReplyTemplate.Kind.DISCLOSURE,
        "en",
        "Support resources",
        "Thank you for trusting us with this. What happened is not your fault, and you deserve support.\n"
        "If and when you want it, these people can help at {{ campus.name }}:\n{{ support_resources }}\n"
        "You can also send us a private message. This comment is public, so please share only what you "
        "are comfortable with. — {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.DISCLOSURE,
        "it",
        "Risorse di supporto",
        "Grazie per la fiducia. Quello che è successo non è colpa tua, e meriti supporto.\n"
        "Se e quando vorrai, all'{{ campus.name }} puoi rivolgerti a:\n{{ support_resources }}\n"
        "Puoi anche scriverci in privato. Questo commento è pubblico: condividi solo ciò che ti fa sentire "
        "a tuo agio. — {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.QUESTION,
        "en",
        "Where to get help",
        "Good question, thank you for asking. At {{ campus.name }} you can turn to:\n{{ support_resources }}\n"
        "— {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.QUESTION,
        "it",
        "Dove chiedere aiuto",
        "Bella domanda, grazie. All'{{ campus.name }} puoi rivolgerti a:\n{{ support_resources }}\n"
        "— {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.THANKS,
        "en",
        "Thanks",
        "Thank you for standing with us! Share this post with a friend at {{ campus.name }}. "
        "— {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.THANKS,
        "it",
        "Grazie",
        "Grazie di essere dalla nostra parte! Condividi il post con chi studia all'{{ campus.name }}. "
        "— {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.HOSTILE,
        "en",
        "Keep it respectful",
        "We want this to be a space where everyone at {{ campus.name }} can speak safely. Comments that "
        "attack people will be hidden. — {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.HOSTILE,
        "it",
        "Con rispetto",
        "Vogliamo che qui chiunque all'{{ campus.name }} possa parlare in sicurezza. I commenti che "
        "attaccano le persone verranno nascosti. — {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.GENERAL,
        "en",
        "Thank you for commenting",
        "Thank you for joining the conversation. — {{ organisation.name }}",
    ),
    (
        ReplyTemplate.Kind.GENERAL,
        "it",
        "Grazie del commento",
        "Grazie di partecipare alla conversazione. — {{ organisation.name }}",
    ),
]


def load(*, stdout) -> None:
    """Add the demo inbox; running it again changes nothing."""
    with transaction.atomic():
        templates = reply_templates_seed()
        campaign, universities = _campaign()
        channel, created = Channel.objects.get_or_create(
            kind=Channel.Kind.IMPORT, platform_id=CHANNEL[0], defaults={"name": CHANNEL[1]}
        )
        if not created and channel.posts.exists():
            stdout.write("conversations: demo inbox already loaded\n")
            return
        texts = _texts()
        rng = random.Random(SEED)
        comments = _posts_and_comments(
            channel=channel, campaign=campaign, universities=universities, texts=texts, rng=rng
        )
        comments_triage(comments=comments)
        answered = _answer_some(comments=comments, rng=rng)
    stdout.write(
        f"conversations: {len(comments)} demo comments on {channel.posts.count()} posts, "
        f"{answered} answered, {templates} reply templates (comments from public research data sets; "
        "authors are the data sets' names)\n"
    )


def reply_templates_seed() -> int:
    """Create the default reply templates (EN and IT, one per kind) that do not exist yet."""
    created = 0
    for kind, language, name, body in TEMPLATES:
        _template, was_created = ReplyTemplate.objects.get_or_create(
            kind=kind, language=language, name=name, defaults={"body": body}
        )
        created += was_created
    return created


def _campaign() -> tuple[Campaign, list[University]]:
    universities = [
        *University.objects.filter(country="US").order_by("-enrollment_total", "pk")[:4],
        *University.objects.filter(country="IT").order_by("-enrollment_total", "pk")[:4],
    ]
    today = timezone.localdate()
    campaign, _created = Campaign.objects.get_or_create(
        slug=CAMPAIGN_SLUG,
        defaults={
            "name": "Consent on Campus 2026",
            "description": "Posts and conversations on consent and where to find help, in English and Italian.",
            "status": Campaign.Status.RUNNING,
            "starts_on": today - dt.timedelta(days=28),
            "ends_on": today + dt.timedelta(days=14),
            "languages": "en,it",
            "goal_comments_per_post": 40,
        },
    )
    if universities:
        campaign.universities.add(*universities)
    return campaign, universities


def _posts_and_comments(*, channel, campaign, universities, texts, rng) -> list[Comment]:
    targets = [(u, "it" if u.country == "IT" else "en") for u in universities] or [(None, "en"), (None, "it")]
    start = timezone.now() - dt.timedelta(days=27)
    comments: list[Comment] = []
    post_number = 0
    for index, (university, lang) in enumerate(targets):
        for post_index, (message, is_question) in enumerate(POSTS[lang][: 2 if index % 2 == 0 else 1]):
            post_number += 1
            published = start + dt.timedelta(days=3 * index + 7 * post_index, hours=rng.randint(8, 12))
            campus_name = university.short_name or university.name if university else "campus"
            post = Post.objects.create(
                channel=channel,
                platform_id=f"demo_{post_number}",
                campaign=campaign,
                is_question=is_question,
                message=message.format(campus=campus_name),
                published_at=published,
            )
            if university is not None:
                post.universities.add(university)
            comments += _comments_for(post=post, lang=lang, texts=texts, rng=rng, number=post_number)
    return comments


def _comments_for(*, post, lang, texts, rng, number) -> list[Comment]:
    mix = {
        "en": [
            ("hostile_en", 8),
            ("disclosure_en", 4),
            ("question_en", 7),
            ("supportive_en", 12),
            ("other_en", 9),
        ],
        "it": [
            ("hostile_it", 10),
            ("disclosure_it", 3),
            ("question_it", 8),
            ("supportive_it", 12),
            ("other_it", 7),
        ],
    }[lang]
    picked = [item for pool, count in mix for item in rng.sample(texts[pool], min(count, len(texts[pool])))]
    rng.shuffle(picked)
    now = timezone.now()
    when = post.published_at
    rows: list[Comment] = []
    for i, (source, text) in enumerate(picked):
        when = min(
            when + dt.timedelta(minutes=rng.randint(3, 240)), now - dt.timedelta(minutes=len(picked) - i)
        )
        parent = rows[rng.randrange(len(rows))] if rows and rng.random() < 0.2 else None
        comment = Comment.objects.create(
            channel=post.channel,
            post=post,
            parent=parent,
            parent_platform_id=parent.platform_id if parent else "",
            platform_id=f"demo_{number}_{i + 1}",
            author_platform_id=f"demo-{source}",
            author_name=SOURCES[source],
            text=text,
            created_time=when,
            last_event_time=when,
            like_count=rng.choice((0, 0, 0, 1, 2, 5, 12)),
        )
        rows.append(comment)
    return rows


def _answer_some(*, comments: list[Comment], rng) -> int:
    """Reply (queued by the demo moderator, then marked sent) to some questions; close some comments."""
    member = (
        User.objects.filter(role=Role.MODERATOR).order_by("pk").first() or User.objects.order_by("pk").first()
    )
    answered = 0
    for comment in comments:
        if comment.parent_id or comment.is_from_page:
            continue
        if member is not None and comment.question and not comment.disclosure and rng.random() < 0.5:
            lang = "it" if comment.language == "it" else "en"
            action = outbox_action_queue(
                comment=comment, kind=OutboxAction.Kind.REPLY, by=member, text=NEUTRAL_REPLY[lang]
            )
            reply_at = comment.created_time + dt.timedelta(hours=rng.randint(1, 20))
            outbox_action_mark_sent(
                action=action, platform_id=f"{comment.platform_id}_reply", at=min(reply_at, timezone.now())
            )
            Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.DONE)
            answered += 1
        elif comment.supportive and not comment.disclosure and rng.random() < 0.4:
            Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.DONE)
    return answered


def _texts() -> dict[str, list[tuple[str, str]]]:
    """Comment texts by pool, each with its source key."""
    root = Path(settings.SHARED_DATA_DIR)
    texts: dict[str, list[tuple[str, str]]] = {}

    def fit(text: str) -> bool:
        return 15 <= len(text) <= 600

    with (root / "ami2018_en" / "en_training_anon.tsv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts["hostile_en"] = [("ami2018", r["text"]) for r in rows if r["misogynous"] == "1" and fit(r["text"])][
        :400
    ]
    with (root / "ami2020_it" / "training_raw_groundtruth.tsv").open(encoding="utf-8") as file:
        ami_it = [
            ("ami2020", r["text"])
            for r in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
            if r["misogynous"] == "1" and fit(r["text"])
        ]
    with (root / "haspeede2018_fb_it" / "haspeede_FB-train.tsv").open(encoding="utf-8") as file:
        haspeede = [
            ("haspeede", r[1])
            for r in csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
            if len(r) == 3 and r[2] == "1" and fit(r[1])
        ]
    texts["hostile_it"] = ami_it[:200] + haspeede[:200]
    with (root / "safecity_en_in" / "multilabel_train.csv").open(encoding="utf-8") as file:
        texts["disclosure_en"] = [
            ("safecity", r["Description"]) for r in csv.DictReader(file) if fit(r["Description"])
        ][:400]
    with (root / "ilisten2018_it" / "training_turns.csv").open(encoding="utf-8") as file:
        texts["question_it"] = [
            ("ilisten", r["text"])
            for r in csv.DictReader(file)
            if r["speaker"] == "USER" and r["act"] == "INFO-REQUEST" and fit(r["text"])
        ]
    stance = (
        (root / "tweeteval_stance_feminist_en" / "train_text.txt").read_text(encoding="utf-8").splitlines()
    )
    labels = (root / "tweeteval_stance_feminist_en" / "train_labels.txt").read_text(encoding="utf-8").split()
    cleaned = [
        (label, text.replace("#SemST", "").strip()) for label, text in zip(labels, stance, strict=False)
    ]
    texts["supportive_en"] = [("stance", t) for label, t in cleaned if label == "2" and fit(t)]
    texts["other_en"] = [("stance", t) for label, t in cleaned if label == "0" and fit(t)]
    for lang in ("en", "it"):
        with (OWN_DATA / f"own_{lang}.csv").open(encoding="utf-8") as file:
            own = list(csv.DictReader(file))
        texts.setdefault(f"question_{lang}", [])
        texts[f"question_{lang}"] += [("own", r["text"]) for r in own if r["kind"] == "question"][:60]
        if lang == "it":
            texts["supportive_it"] = [("own", r["text"]) for r in own if r["kind"] == "supportive"]
            texts["disclosure_it"] = [("own", r["text"]) for r in own if r["kind"] == "disclosure"]
            texts["other_it"] = [("own", r["text"]) for r in own if r["kind"] in ("neutral", "offtopic")]
    return texts
