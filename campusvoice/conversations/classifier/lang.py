"""Language of a comment: "en", "it" or "other".

lingua is accurate but costs about 0.1 ms a comment even restricted to a few languages in low-accuracy
mode, more than the whole rest of the pipeline. Most comments settle themselves: a cheap count of
function words that only one of English, Italian or the neighbouring languages uses decides when one
language clearly dominates, and lingua (high-accuracy mode, restricted to the languages our campaigns
meet: each added language costs speed and lowers accuracy on the two that matter) arbitrates the
rest: short, mixed or unusual texts. docs/model-card.md gives the accuracy of
both paths on our data.
"""

import re
from functools import cache

EN_WORDS = frozenset(
    "the and is are was were to of you i it that this what where how who why my me your with for have has "
    "had not don't can can't will just they she he her his we our be been do does did at on so if or but "
    "all about yes thank thanks please from there would should could an i'm it's doesn't didn't".split()
)
IT_WORDS = frozenset(
    "il gli che è non sono ho hai della delle dello degli dei nel nella nei alla alle anche questo questa "
    "questi quello quella perché perche cosa molto sempre ancora ci ti più già solo tutti tutto noi voi "
    "loro siamo essere stata stato dove quando chi qualcuno niente nessuno grazie ciao anni mia mio sua "
    "suo di lei lui fatto poi cioè oppure però ogni l'ho c'è un'altra dell'università all'università sei nn".split()
)
# Words of the neighbours that lingua would otherwise confuse with Italian or English.
OTHER_WORDS = frozenset(
    "el los las y es está pero por para muy también yo tengo hay cuando donde porque gracias hola esto eso "
    "le les et est je pas ne vous nous avec pour dans sur une des du qui mais très merci bonjour c'est j'ai "
    "não você em muito obrigado obrigada isso ela também der das und ist nicht ich sie wir mit auf für "
    "eine danke aber auch het een niet".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
_LETTER = re.compile(r"[^\W\d_]")
# Handles, links and hashtags say nothing about the language and mislead lingua on short texts.
_NOISE = re.compile(r"https?://\S+|www\.\S+|<[A-Z_]+\d*>|\bMENTION\d+|@\w+|#\w+")


@cache
def _detector():
    # Imported lazily: lingua loads its language models on first use.
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.ENGLISH,
        Language.ITALIAN,
        Language.SPANISH,
        Language.FRENCH,
        Language.GERMAN,
        Language.PORTUGUESE,
    ]
    return LanguageDetectorBuilder.from_languages(*languages).build()


_NON_LATIN = re.compile(r"[^\W\d_A-Za-zÀ-ɏ]")


def quick_language(text: str) -> str | None:
    """The language when function words or script settle it, else None (ask lingua)."""
    if _NON_LATIN.search(text):
        letters = _LETTER.findall(text)
        latin = sum(1 for ch in letters if _LATIN.match(ch))
        if latin < len(letters) / 2:
            return "other"  # Cyrillic, Arabic, CJK, ...: never English or Italian
    words = set(_WORD.findall(text.lower()))
    if not words:
        return None if _LETTER.search(text) else "other"
    en = len(words & EN_WORDS)
    it = len(words & IT_WORDS)
    other = len(words & OTHER_WORDS)
    # One clear function word and nothing against it is enough; with mixed hits, ask for a margin.
    if en and en >= 4 * (it + other) and (en >= 2 or not (it or other)):
        return "en"
    if it and it >= 4 * (en + other) and (it >= 2 or not (en or other)):
        return "it"
    return None


def lingua_language(text: str) -> str:
    from lingua import Language

    found = _detector().detect_language_of(text)
    if found == Language.ENGLISH:
        return "en"
    if found == Language.ITALIAN:
        return "it"
    return "other"


def detect_language(text: str) -> str:
    cleaned = _NOISE.sub(" ", text)
    if not _LETTER.search(cleaned):
        cleaned = text  # a comment that is only a hashtag or a handle still has a language
    return quick_language(cleaned) or lingua_language(cleaned)


def detect_languages(texts: list[str]) -> list[str]:
    return [detect_language(text) for text in texts]
