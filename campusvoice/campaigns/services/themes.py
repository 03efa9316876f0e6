"""Answers to question posts, grouped into themes per campus.

The comments on a campaign's question posts are clustered by their words (TF-IDF with English
and Italian stop words, then k-means with a fixed seed, so the same comments give the same
themes). A theme is labelled by its top terms and counted; no theme shows a comment's text or its
author, so organisers (who do not read the inbox) see what students talk about, not who said what.
Comments flagged as disclosures are never clustered, nor hostile, hidden, spam or deleted ones,
nor our own replies.
"""

import csv
import io
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext as _
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from campusvoice.campaigns.models import Campaign
from campusvoice.campaigns.services.export import cell_safe

SEED = 2026
DEFAULT_THEMES = 4
TOP_TERMS = 3
ITALIAN_STOP_WORDS = frozenset(
    """a ad al alla alle agli ai all anche ancora avere aveva c che chi ci come con contro cosa cui
    da dal dalla dalle dagli dai degli dei del della delle dello di dove e è ed era essere fa fare
    gli ha hanno ho i il in io l la le lei li lo loro lui ma mi mia mio molto ne nei nel nella nelle
    noi non nostra nostro o per perché più poi può quando quale quali quella quello questa questo
    qui se sei si sia siamo sono su sua sue sui sul sulla suo ti tra tu tua tuo tutti tutto un una
    uno vi voi anch sì no già così""".split()
)
# Words of three letters or more, without digits: "2026" and "ok" are not themes.
WORDS = r"(?u)\b[^\W\d_]{3,}\b"
# Link and mention debris ("@user" is how public data sets anonymise handles).
NOISE = frozenset({"http", "https", "www", "com", "user", "amp"})
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | ITALIAN_STOP_WORDS | NOISE)


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
    texts = [t for t in texts if t.strip()]
    if not texts:
        return []
    vectorizer = TfidfVectorizer(stop_words=STOP_WORDS, token_pattern=WORDS, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing left after the stop words
        return [Theme(label=_("(no common words)"), terms=[], count=len(texts))]
    terms = vectorizer.get_feature_names_out()
    k = max(1, min(k, len(texts), matrix.shape[1]))
    model = KMeans(n_clusters=k, random_state=seed, n_init=10).fit(matrix)
    themes = []
    for cluster in range(k):
        count = int((model.labels_ == cluster).sum())
        if not count:
            continue
        top = model.cluster_centers_[cluster].argsort()[::-1][:TOP_TERMS]
        words = [str(terms[i]) for i in top if model.cluster_centers_[cluster][i] > 0]
        themes.append(Theme(label=", ".join(words) or _("(no common words)"), terms=words, count=count))
    return sorted(themes, key=lambda t: (-t.count, t.label))


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
