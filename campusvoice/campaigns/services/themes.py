"""Answers to question posts, grouped into themes per campus.

The comments on a campaign's question posts are clustered by their words (TF-IDF with English
and Italian stop words, then k-means with a fixed seed, so the same comments give the same
themes). A theme is labelled by its most distinctive terms (class-based TF-IDF: frequent in the
theme, rare in the others) and counted. Our own names (organisation, pages), @mentions and
fillers ("honestly", "sinceramente", "forza") are never terms. No theme shows a comment's text or its
author, so organisers (who do not read the inbox) see what students talk about, not who said what.
Comments flagged as disclosures are never clustered, nor hostile, hidden, spam or deleted ones,
nor our own replies.
"""

import csv
import io
import math
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext as _
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from stop_words import get_stop_words
from threadpoolctl import threadpool_limits

from campusvoice.campaigns.models import Campaign
from campusvoice.campaigns.services.export import cell_safe

SEED = 2026
DEFAULT_THEMES = 4
TOP_TERMS = 3
# Maintained lists (the stop-words package) plus scikit-learn's English one.
LISTED_STOP_WORDS = frozenset(get_stop_words("en")) | frozenset(get_stop_words("it")) | ENGLISH_STOP_WORDS
# Weak adverbs, interjections and chat fillers the lists leave in: they say how, not what.
FILLERS = frozenset(
    """absolutely actually agree basically but definitely exactly great guys hello honestly
    just lol literally love maybe obviously okay omg please pretty probably really seriously
    simply sure thank thanks totally yeah yes wow
    ahah ahaha allora anzi assolutamente bello bravi bravo brava cioè ciao comunque dai davvero
    ecco forza grazie insomma magari ogni onestamente ovviamente praticamente proprio quindi raga
    ragazzi sempre semplicemente sicuramente sinceramente solo tanto tipo totalmente troppo vabbè
    veramente""".split()
)
# Link and mention debris ("@user" is how public data sets anonymise handles).
NOISE = frozenset({"http", "https", "www", "com", "user", "amp"})
# Words of three letters or more, without digits: "2026" and "ok" are not themes.
WORDS = r"(?u)\b[^\W\d_]{3,}\b"
# With the words the listed ones tokenise to ("ogn'" gives "ogn"), as the vectorizer expects.
STOP_WORDS = frozenset(
    token for word in LISTED_STOP_WORDS | FILLERS | NOISE for token in (word, *re.findall(WORDS, word))
)
# An @mention or a link names someone or somewhere, not a theme: removed before counting words.
MENTIONS_AND_LINKS = re.compile(r"@[\w.]+|#|https?://\S+|www\.\S+")


def own_names() -> frozenset[str]:
    """Words of our own names: the organisation's and our pages' (a shout-out is not a theme)."""
    channel_model = apps.get_model("conversations", "Channel")
    names = [settings.ORGANISATION_NAME, *channel_model.objects.values_list("name", flat=True)]
    return frozenset(word for name in names for word in re.findall(WORDS, name.lower()))


@dataclass
class Theme:
    label: str
    terms: list[str]
    count: int


@dataclass
class CampusThemes:
    university_id: int
    campus: str
    answers: int
    themes: list[Theme] = field(default_factory=list)


def answers_for(*, campaign: Campaign, university_id: int) -> list[str]:
    """Texts of the answers on this campaign's question posts for one campus, minus disclosures."""
    comment_model = apps.get_model("conversations", "Comment")
    return list(
        comment_model.objects.filter(
            post__campaign=campaign,
            post__is_question=True,
            post__universities__id=university_id,
            disclosure=False,
            spam=False,
            # Abuse is the moderators' business, not an answer: it would make themes of slurs.
            hostile=False,
            is_hidden=False,
            is_from_page=False,
            deleted_at__isnull=True,
        )
        .exclude(text="")
        .order_by("pk")
        .values_list("text", flat=True)
        .distinct()
    )


def themes_cluster(*, texts: list[str], k: int = DEFAULT_THEMES, seed: int = SEED) -> list[Theme]:
    """Group texts into at most k themes, largest first; deterministic for the same input."""
    texts = [MENTIONS_AND_LINKS.sub(" ", t) for t in texts if t.strip()]
    if not texts:
        return []
    stop_words = sorted(STOP_WORDS | own_names())
    vectorizer = TfidfVectorizer(stop_words=stop_words, token_pattern=WORDS, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing left after the stop words
        return [Theme(label=_("(no common words)"), terms=[], count=len(texts))]
    terms = vectorizer.get_feature_names_out()
    k = max(1, min(k, len(texts), matrix.shape[1]))
    # One thread: a campus has tens of answers, and OpenMP's thread pool made each clustering ten
    # times slower on a busy server (0.46 s against 0.04 s); letters and reports call this per campus.
    with threadpool_limits(limits=1):
        labels = KMeans(n_clusters=k, random_state=seed, n_init=10).fit(matrix).labels_
    counts = CountVectorizer(vocabulary=vectorizer.vocabulary_, token_pattern=WORDS).transform(texts)
    themes = []
    for cluster, weights in distinctive_terms(counts=counts, labels=labels, k=k).items():
        top = sorted(range(len(terms)), key=lambda i: (-weights[i], terms[i]))[:TOP_TERMS]
        words = [str(terms[i]) for i in top if weights[i] > 0]
        count = int((labels == cluster).sum())
        themes.append(Theme(label=", ".join(words) or _("(no common words)"), terms=words, count=count))
    return sorted(themes, key=lambda t: (-t.count, t.label))


def distinctive_terms(*, counts, labels, k: int) -> dict[int, list[float]]:
    """Class-based TF-IDF per cluster: a term's share of the cluster's words times
    log(1 + average words per cluster / the term's count in all clusters). A word every theme
    uses weighs little, so a label names what sets its theme apart, not what is merely frequent.
    """
    per_class = {c: counts[labels == c].sum(axis=0).A1 for c in range(k) if (labels == c).any()}
    overall = counts.sum(axis=0).A1
    average = sum(row.sum() for row in per_class.values()) / len(per_class)
    idf = [math.log(1 + average / n) if n else 0.0 for n in overall]
    return {
        c: [tf / (row.sum() or 1) * w for tf, w in zip(row, idf, strict=True)] for c, row in per_class.items()
    }


def campaign_themes(*, campaign: Campaign, k: int = DEFAULT_THEMES) -> list[CampusThemes]:
    """Themes per target campus of the campaign."""
    result = []
    for university in campaign.universities.order_by("country", "name"):
        texts = answers_for(campaign=campaign, university_id=university.pk)
        result.append(
            CampusThemes(
                university_id=university.pk,
                campus=university.name,
                answers=len(texts),
                themes=themes_cluster(texts=texts, k=k),
            )
        )
    return result


def themes_csv(*, campaign: Campaign, k: int = DEFAULT_THEMES) -> str:
    """Themes as CSV: campus, theme, terms, answers. No comment text, no authors."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["campus", "theme", "terms", "answers"])
    for campus in campaign_themes(campaign=campaign, k=k):
        for theme in campus.themes:
            row = [campus.campus, theme.label, " ".join(theme.terms), theme.count]
            writer.writerow([cell_safe(value) for value in row])
    return out.getvalue()
