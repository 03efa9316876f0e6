"""Hashed word and character n-grams plus the detected language, as one sparse matrix.

Hashing keeps the artefact free of a vocabulary (nothing to unpickle) and the transform stateless,
so training and serving cannot drift apart. Words (1-2 grams, with ? ! and emoji as tokens) carry
the meaning; character 3-5 grams of each word, padded with spaces, cover misspellings, Italian
inflection and hashtags run together.

Speed: scikit-learn's HashingVectorizer builds every character n-gram of every comment in Python,
which alone held the pipeline under 7,000 comments a second. Comments reuse a small vocabulary,
so each distinct token's hashes are computed once (murmurhash3, as scikit-learn does) and cached;
a comment then costs one regex pass and a dictionary look-up per token.

Weighting: 1.0.x models use binary blocks, each L2-normalised per row. From 1.1.0 the blocks are
TF-IDF-like: each column is multiplied by an idf learnt from the training rows (stored in the
artefact, 1.0 for the language columns) and each block is L2-normalised after that, as the
TF-IDF + LR baseline does; the weights are served with the idf folded in, so the only extra work
per comment is its normalisation (one more sparse product per batch vocabulary).
"""

import re
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
import scipy.sparse as sp
from mmh3 import hash as _mmh3


def murmurhash3_32(key: str, *, seed: int) -> int:
    """scikit-learn's unsigned `murmurhash3_32`, the same MurmurHash3 (x86, 32-bit) of the UTF-8
    bytes, from the small `mmh3` package: serving then never imports scikit-learn, a second of the
    classifier's start-up (conversations/tests/test_classifier_model.py checks both agree)."""
    return _mmh3(key, seed, signed=False)


WORD_FEATURES = 2**19
CHAR_FEATURES = 2**20
LANGS = ("en", "it", "other")
N_FEATURES = WORD_FEATURES + CHAR_FEATURES + len(LANGS)
CHAR_NGRAMS = (3, 4, 5)
# From 1.3.0 some heads (disclosure) use 2-5-grams, as the baseline's char_wb; the model says which.
WIDE_CHAR_NGRAMS = (2, 3, 4, 5)
CACHE_LIMIT = 500_000  # distinct tokens kept; the cache is emptied when it grows past this

_URL = re.compile(r"https?://\S+|www\.\S+|\b\S+\.(?:com|ly|io|net|org|it)/\S*|<URL>", re.IGNORECASE)
_MENTION = re.compile(r"<MENTION_\d+>|\bMENTION\d+\b|@\w+")
_SEMST = re.compile(r"#SemST", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W\d_][\w']*|\d+|[?!]|[^\w\s]")
_MASK = 0xFFFFFFFF

# One token cache per character n-gram range, so models with different ranges can serve side by side.
_caches: dict[tuple[int, ...], dict[str, tuple[int, tuple[int, ...]]]] = {}


def normalise(text: str) -> str:
    # The cheap substring tests skip three regex passes for the many comments with no link or handle.
    if "SemST" in text:
        text = _SEMST.sub(" ", text)
    if "/" in text or "www." in text or "<URL>" in text:
        text = _URL.sub(" xurlx ", text)
    if "@" in text or "MENTION" in text:
        text = _MENTION.sub(" xuserx ", text)
    return text.lower()


def _token_hashes(token: str, char_ngrams: tuple[int, ...] = CHAR_NGRAMS) -> tuple[int, tuple[int, ...]]:
    """The token's word hash and the sorted feature indices of its character n-grams."""
    word = murmurhash3_32(token, seed=0)
    padded = f" {token} "
    grams = {padded[i : i + n] for n in char_ngrams for i in range(len(padded) - n + 1)} or {padded}
    chars = tuple(sorted({murmurhash3_32(g, seed=1) % CHAR_FEATURES for g in grams}))
    return word, chars


@dataclass
class Analysed:
    """A batch of comments as token positions over the batch's own vocabulary."""

    n: int
    lengths: np.ndarray  # tokens per comment
    ids: np.ndarray  # vocabulary id of every token, comment after comment
    word_cols: np.ndarray  # word-block column of each vocabulary item
    grams: sp.csr_matrix  # vocabulary x CHAR_FEATURES, 1 per character n-gram of the item
    bigram_cols: np.ndarray  # word-block column of each bigram, comment after comment
    bigram_lengths: np.ndarray  # bigrams per comment
    word_scale: np.ndarray  # 1/sqrt(unigrams + bigrams) per comment (0 when empty)
    char_scale: np.ndarray  # 1/sqrt(character n-grams) per comment
    lang_cols: np.ndarray
    vocab: list[str]  # the distinct tokens, for ``widen``


def _inverse_sqrt(counts: np.ndarray) -> np.ndarray:
    scale = np.zeros(len(counts), dtype=np.float32)
    scale[counts > 0] = 1.0 / np.sqrt(counts[counts > 0])
    return scale


def analyse(
    texts: list[str], langs: list[str], char_ngrams: tuple[int, ...] = CHAR_NGRAMS, *, distinct: bool = False
) -> Analysed:
    """The batch's tokens, bigrams and character n-grams; ``distinct`` (from 1.6.0): each distinct token
    and bigram of a comment counts once (see ``_first_per_comment``)."""
    n = len(texts)
    tokens: list[str] = []
    lengths_list: list[int] = []
    for text in texts:
        found = _TOKEN.findall(normalise(text))
        tokens.extend(found)
        lengths_list.append(len(found))
    # Python works per distinct token of the batch; numpy does the per-token rest.
    vocab = list(dict.fromkeys(tokens))
    position = dict(zip(vocab, range(len(vocab)), strict=True))
    ids = np.fromiter(map(position.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    entries = _entries(vocab, char_ngrams)
    word_hash = np.fromiter((e[0] for e in entries), dtype=np.int64, count=len(entries))
    grams, char_len = _grams(entries)
    lengths = np.asarray(lengths_list, dtype=np.int64)
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    hashes = word_hash[ids]
    same = doc[1:] == doc[:-1]
    bigram_cols = (((hashes[:-1][same] * 1000003) ^ hashes[1:][same]) & _MASK) % WORD_FEATURES
    bigram_lengths = np.maximum(lengths - 1, 0)
    if distinct:
        keep = _first_per_comment(doc, ids, len(vocab))
        ids, doc = ids[keep], doc[keep]
        lengths = np.bincount(doc, minlength=n)
        bigram_doc = np.repeat(np.arange(n, dtype=np.int64), bigram_lengths)
        keep = _first_per_comment(bigram_doc, bigram_cols, WORD_FEATURES)
        bigram_cols = bigram_cols[keep]
        bigram_lengths = np.bincount(bigram_doc[keep], minlength=n)
    chars_per_doc = np.bincount(doc, weights=char_len[ids], minlength=n) if len(ids) else np.zeros(n)
    return Analysed(
        n=n,
        lengths=lengths,
        ids=ids,
        word_cols=word_hash % WORD_FEATURES,
        grams=grams,
        bigram_cols=bigram_cols,
        bigram_lengths=bigram_lengths,
        word_scale=_inverse_sqrt(lengths + bigram_lengths),
        char_scale=_inverse_sqrt(chars_per_doc),
        lang_cols=np.array([LANGS.index(lang) for lang in langs], dtype=np.int64),
        vocab=vocab,
    )


def _first_per_comment(doc: np.ndarray, items: np.ndarray, size: int) -> np.ndarray:
    """Positions of the first occurrence of each (comment, item), in their original order.

    From 1.6.0 a word, bigram or token's character n-grams count once per comment, however often it
    recurs: a long post that repeats "she" or "the" no longer leans on those words, and the
    normalisation then matches the L2 norm of a binary row. In cross-validation on the training
    rows this lifted the disclosure head's average precision from 0.895 to 0.918 (model card).
    """
    if not len(items):
        return np.zeros(0, dtype=np.int64)
    _, first = np.unique(doc * size + items, return_index=True)
    first.sort()
    return first


def _widened(token: str, narrow: tuple[int, tuple[int, ...]]) -> tuple[int, tuple[int, ...]]:
    """_token_hashes(token, WIDE_CHAR_NGRAMS) from the token's 3-5-gram entry: only the 2-grams are new."""
    padded = f" {token} "
    bigrams = {murmurhash3_32(padded[i : i + 2], seed=1) % CHAR_FEATURES for i in range(len(padded) - 1)}
    return narrow[0], tuple(sorted(bigrams.union(narrow[1])))


def _entries(vocab: list[str], char_ngrams: tuple[int, ...]) -> list[tuple[int, tuple[int, ...]]]:
    cache = _caches.setdefault(tuple(char_ngrams), {})
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    # The 2-5-gram entry of a token the 3-5-gram cache holds (serving analyses the batch with 3-5 first)
    # hashes its 2-grams only: the same columns, about half the work of the second pass (1.5.0).
    narrow = _caches.get(CHAR_NGRAMS) if tuple(char_ngrams) == WIDE_CHAR_NGRAMS else None
    entries = []
    for token in vocab:
        entry = cache.get(token)
        if entry is None:
            known = narrow.get(token) if narrow is not None else None
            if known is not None:
                entry = cache[token] = _widened(token, known)
            else:
                entry = cache[token] = _token_hashes(token, char_ngrams)
        entries.append(entry)
    return entries


def _grams(entries: list[tuple[int, tuple[int, ...]]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Vocabulary x CHAR_FEATURES, 1 per character n-gram of each item, and the n-grams per item."""
    char_len = np.fromiter((len(e[1]) for e in entries), dtype=np.int64, count=len(entries))
    char_cols = np.fromiter(
        chain.from_iterable(e[1] for e in entries), dtype=np.int32, count=int(char_len.sum())
    )
    grams = sp.csr_matrix(
        (np.ones(len(char_cols), dtype=np.float32), char_cols, np.r_[0, np.cumsum(char_len)]),
        shape=(len(entries), CHAR_FEATURES),
    )
    return grams, char_len


def widen(a: Analysed, char_ngrams: tuple[int, ...]) -> Analysed:
    """The same batch with another character n-gram range (the tokens and word block are reused)."""
    grams, char_len = _grams(_entries(a.vocab, char_ngrams))
    doc = np.repeat(np.arange(a.n, dtype=np.int64), a.lengths)
    chars_per_doc = np.bincount(doc, weights=char_len[a.ids], minlength=a.n) if len(a.ids) else np.zeros(a.n)
    return replace(a, grams=grams, char_scale=_inverse_sqrt(chars_per_doc))


# Disclosure cues (1.4.0): a first-person word, a word for an assault or harassment, a narrated event
# and a witness verb, English and Italian, matched per token (lower case; harm and event words by
# prefix, so inflections match: "molestata", "harassed"). The heads see five yes/no columns per
# comment: first person, harm, first person and harm, witness and harm, first person and event.
# Each bag of n-grams sees "I" and "groped" separately; these columns see them together.
_FIRST_PERSON = frozenset(
    "i me my myself mine i'm i've i'd im io mi mio mia miei mie ero sono ho avevo stata m'ha m'hanno".split()
)
_HARM = tuple(
    "rape raping rapist assault harass grope gropi molest abus stalk drugg spiked forced touch flash "
    "exposed catcall pressur coerc violat attack pinned explicit nudes upskirt bruise kiss followed "
    "cornered woke masturb sexual stupr violent palpeggi tocc aggred drog costrett costrin pressione "
    "lividi intim ricatt persegui insegu seguit baciat bacia fotograf bloccat svegliat afferr addosso "
    "fischi sessual".split()
)
_EVENT = tuple("happened believed reported successo accaduto capitato creduto denunci segnal".split())
_WITNESS = frozenset("saw seen watched witnessed visto vista vide".split())
LEXICON = ("first_person", "harm", "first_person_harm", "witnessed_harm", "first_person_event")
_cue_cache: dict[str, int] = {}


def _cues(token: str) -> int:
    """The token's cue bits: 1 first person, 2 harm, 4 event, 8 witness."""
    return (
        (token in _FIRST_PERSON)
        | (token.startswith(_HARM) << 1)
        | (token.startswith(_EVENT) << 2)
        | ((token in _WITNESS) << 3)
    )


def lexicon(a: Analysed) -> np.ndarray:
    """(comments x len(LEXICON)) 0/1 disclosure cues, computed per vocabulary item of the batch."""
    if len(_cue_cache) > CACHE_LIMIT:
        _cue_cache.clear()
    bits = np.fromiter(
        (_cue_cache[t] if t in _cue_cache else _cue_cache.setdefault(t, _cues(t)) for t in a.vocab),
        dtype=np.int64,
        count=len(a.vocab),
    )
    owner = np.repeat(np.arange(a.n), a.lengths)
    per_token = bits[a.ids]
    has = [np.bincount(owner, weights=(per_token >> k) & 1, minlength=a.n) > 0 for k in range(4)]
    first, harm, event, witness = has
    return np.column_stack([first, harm, first & harm, witness & harm, first & event]).astype(np.float32)


def _idf_scales(a: Analysed, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per comment, 1/sqrt(sum of count * idf^2) over the word block and over the character block.

    For binary rows this is the L2 norm of the idf-weighted row, as in TF-IDF; counted per token
    occurrence, so that ``margins`` can compute it per vocabulary item.
    """
    idf2_words = idf[:WORD_FEATURES].astype(np.float64) ** 2
    idf2_chars = idf[WORD_FEATURES : WORD_FEATURES + CHAR_FEATURES].astype(np.float64) ** 2
    per_token_word = idf2_words[a.word_cols]
    per_token_char = a.grams @ idf2_chars
    n = a.n
    owner = np.repeat(np.arange(n), a.lengths)
    bigram_owner = np.repeat(np.arange(n), a.bigram_lengths)
    word_sq = np.bincount(owner, weights=per_token_word[a.ids], minlength=n) + np.bincount(
        bigram_owner, weights=idf2_words[a.bigram_cols], minlength=n
    )
    char_sq = np.bincount(owner, weights=per_token_char[a.ids], minlength=n)
    return _inverse_sqrt(word_sq), _inverse_sqrt(char_sq)


def featurise(
    texts: list[str],
    langs: list[str],
    idf: np.ndarray | None = None,
    char_ngrams: tuple[int, ...] = CHAR_NGRAMS,
    *,
    distinct: bool = False,
) -> sp.csr_matrix:
    """The full (comments x N_FEATURES) matrix, for training.

    Word block: unigram and bigram counts over sqrt(their number); character block: n-gram counts
    over sqrt(their number); then a one-hot language. With ``idf`` (one weight per column, learnt
    from the training rows), each count is multiplied by its column's idf and each block is
    normalised as in TF-IDF (see ``_idf_scales``). ``margins`` computes the same linear function
    without building this matrix.
    """
    a = analyse(texts, langs, char_ngrams, distinct=distinct)
    n = a.n
    ptr = np.r_[0, np.cumsum(a.lengths)]
    in_doc = sp.csr_matrix((np.ones(len(a.ids), dtype=np.float32), a.ids, ptr), shape=(n, a.grams.shape[0]))
    unigrams = sp.csr_matrix(
        (np.ones(len(a.ids), dtype=np.float32), a.word_cols[a.ids], ptr), shape=(n, WORD_FEATURES)
    )
    bigrams = sp.csr_matrix(
        (np.ones(len(a.bigram_cols), dtype=np.float32), a.bigram_cols, np.r_[0, np.cumsum(a.bigram_lengths)]),
        shape=(n, WORD_FEATURES),
    )
    words = unigrams + bigrams
    chars = in_doc @ a.grams
    if idf is None:
        words = sp.diags(a.word_scale) @ words
        chars = sp.diags(a.char_scale) @ chars
    else:
        word_scale, char_scale = _idf_scales(a, idf)
        words = sp.diags(word_scale) @ words @ sp.diags(idf[:WORD_FEATURES])
        chars = sp.diags(char_scale) @ chars @ sp.diags(idf[WORD_FEATURES : WORD_FEATURES + CHAR_FEATURES])
    lang_block = sp.csr_matrix(
        (np.ones(n, dtype=np.float32), (np.arange(n), a.lang_cols)), shape=(n, len(LANGS))
    )
    return sp.hstack([words, chars, lang_block], format="csr", dtype=np.float32)


def _sum_by_row(per_item: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """Sum consecutive runs of rows of ``per_item`` (lengths[i] rows for comment i)."""
    out = np.zeros((n, per_item.shape[1]), dtype=np.float64)
    if len(per_item):
        owner = np.repeat(np.arange(n), lengths)
        for j in range(per_item.shape[1]):
            out[:, j] = np.bincount(owner, weights=per_item[:, j], minlength=n)
    return out


def margins(
    texts: list[str],
    langs: list[str],
    coef: np.ndarray,
    intercept: np.ndarray,
    idf: np.ndarray | None = None,
    tfidf_heads: np.ndarray | None = None,
    char_ngrams: tuple[int, ...] = CHAR_NGRAMS,
    analysed: Analysed | None = None,
) -> np.ndarray:
    """featurise(texts, langs, idf) @ coef + intercept, computed per vocabulary item, not per n-gram.

    ``tfidf_heads`` (one bool per label column) says which heads use the TF-IDF rows; their
    ``coef`` columns already include the idf (folded in at training), so only the per-comment
    normalisation is left to compute here. The other heads use the binary rows. ``analysed`` reuses
    a batch already analysed (with ``char_ngrams``), so two ranges tokenise the batch once.
    """
    a = analysed if analysed is not None else analyse(texts, langs, char_ngrams)
    word_scale, char_scale = a.word_scale[:, None], a.char_scale[:, None]
    if idf is not None and tfidf_heads is not None and tfidf_heads.any():
        idf_word, idf_char = _idf_scales(a, idf)
        word_scale = np.where(tfidf_heads[None, :], idf_word[:, None], word_scale)
        char_scale = np.where(tfidf_heads[None, :], idf_char[:, None], char_scale)
    w_words = coef[:WORD_FEATURES]
    w_chars = coef[WORD_FEATURES : WORD_FEATURES + CHAR_FEATURES]
    w_langs = coef[WORD_FEATURES + CHAR_FEATURES :]
    per_token_word = w_words[a.word_cols]  # vocabulary x labels
    per_token_char = np.asarray(a.grams @ w_chars)  # vocabulary x labels
    words = _sum_by_row(per_token_word[a.ids], a.lengths, a.n) + _sum_by_row(
        w_words[a.bigram_cols], a.bigram_lengths, a.n
    )
    chars = _sum_by_row(per_token_char[a.ids], a.lengths, a.n)
    return words * word_scale + chars * char_scale + w_langs[a.lang_cols] + intercept
