"""Vietnamese word segmentation, stop words and the vocabulary that topic keywords are drawn from.

Vietnamese writes one syllable per space, so "đất đai" (land) is two tokens to a plain
tokenizer and a topic about land shows up as "đất" and "đai". pyvi's CRF segmenter joins the
syllables of a word with ``_`` ("đất_đai"); keywords, stop words and coherence all work on those
words. Text without any Vietnamese letter (English, or Vietnamese typed without diacritics) is
left as it is: pyvi would glue English words together ("The_government") and cannot segment
unmarked Vietnamese reliably.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache, partial

from sklearn.feature_extraction.text import CountVectorizer

log = logging.getLogger(__name__)

_VIETNAMESE_LETTER = re.compile(
    "[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.IGNORECASE
)
# A token starts with a letter and may hold letters, digits, '_' (joined syllables), '-' and "'".
_TOKEN = re.compile(r"[^\W\d_](?:[\w'-]*\w)?")
_SYLLABLE = re.compile(r"[^\W_]+")
_CLAUSE_BREAK = re.compile(r"[.,!?;:()\[\]{}\"“”…|/\\]+")


def segment(text: str) -> str:
    """The text with the syllables of each Vietnamese word joined by ``_``."""
    if not _VIETNAMESE_LETTER.search(text):
        return text
    from pyvi import ViTokenizer

    return ViTokenizer.tokenize(text)


def segment_all(texts: Iterable[str]) -> list[str]:
    """Segment many texts; each distinct text is segmented once (comments repeat a lot)."""
    done: dict[str, str] = {}
    out = []
    for text in texts:
        segmented = done.get(text)
        if segmented is None:
            segmented = done[text] = segment(text)
        out.append(segmented)
    return out


def tokens(segmented: str) -> list[str]:
    """Lower-case word tokens of a segmented text; punctuation, numbers and emoji dropped."""
    return _TOKEN.findall(segmented.lower())


def syllables(term: str) -> tuple[str, ...]:
    """A keyword ('đất_đai', 'giá nhà') as its lower-case syllables, the unit coherence compares on."""
    return tuple(_SYLLABLE.findall(term.lower()))


# stopwords-iso's Vietnamese list has a few nouns that carry topics ("giá nhà": house prices).
_TOPICAL_WORDS = frozenset({"nhà", "bài"})


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Vietnamese and English stop words from stopwords-iso, in segmented form ('bởi_vì').

    A phrase of several syllables stops only as the whole phrase (``keyword_terms`` also finds it
    when pyvi leaves it in pieces): its syllables alone are often words that carry topics, and
    splitting "trời đất ơi" (good heavens) and "dễ sợ" made "đất" (land) and "dễ" (easy) stop words.
    """
    import stopwordsiso

    words = set()
    for word in stopwordsiso.stopwords(["vi", "en"]):
        parts = tokens(word)
        if parts:
            words.add("_".join(parts))
    return frozenset(words - _TOPICAL_WORDS)


@lru_cache(maxsize=1)
def _stop_phrase_starts() -> tuple[frozenset[str], int]:
    """First syllables of the multi-syllable stop words, and the most syllables one has."""
    phrases = [word.split("_") for word in stop_words() if "_" in word]
    return frozenset(parts[0] for parts in phrases), max(len(parts) for parts in phrases)


def _is_stop(words: Sequence[str]) -> list[bool]:
    """Which words are stop words, counting a stop phrase that pyvi left in pieces ('bởi', 'vì')."""
    stops = stop_words()
    starts, longest = _stop_phrase_starts()
    flags = [word in stops for word in words]
    for start, word in enumerate(words):
        if word.split("_", 1)[0] not in starts:
            continue
        for n in range(2, longest + 1):
            if start + n <= len(words) and "_".join(words[start:start + n]) in stops:
                flags[start:start + n] = [True] * n
    return flags


def document_frequency_limits(n_docs: int, min_df: int | None = None, max_df: float = 0.5) -> tuple[int, float]:
    """The corpus rules for a keyword: seen in at least ``min_df`` comments, at most ``max_df`` of them.

    The default ``min_df`` is max(2, n_docs / 5000) rounded up: 2 for small corpora, 20 at 100k,
    so typos and one-off names do not become keywords. ``max_df`` drops words that are in half
    of all comments and so describe none of the topics.
    """
    if min_df is None:
        min_df = max(2, math.ceil(n_docs / 5000))
    if not 0 < max_df <= 1:
        raise ValueError(f"max_df must be in (0, 1], got {max_df}")
    return min(min_df, max(1, n_docs // 2)), max_df


def keyword_terms(segmented: str, ngram_max: int = 2) -> list[str]:
    """Candidate keywords of one segmented comment: words and runs of adjacent words, no stop word.

    N-grams are built from words that are next to each other in the comment and contain no stop
    word; sklearn's own n-grams are built after removing stop words and so join words that were
    never adjacent ("the rent is getting worse" would give "rent worse").
    """
    terms: list[str] = []
    grams: list[str] = []
    for clause in _CLAUSE_BREAK.split(segmented):
        words = tokens(clause)
        keep = [not stop for stop in _is_stop(words)]
        terms.extend(word for word, ok in zip(words, keep) if ok)
        for n in range(2, ngram_max + 1):
            for start in range(len(words) - n + 1):
                if all(keep[start:start + n]):
                    grams.append(" ".join(words[start:start + n]))
    return terms + grams


def corpus_vectorizer(
    segmented_docs: Sequence[str], *, min_df: int | None = None, max_df: float = 0.5, ngram_max: int = 2
) -> tuple[CountVectorizer, object]:
    """Fit the keyword vocabulary on individual comments and return (vectorizer, doc-term matrix).

    BERTopic fits its vectorizer on one joined document per topic, where ``min_df``/``max_df``
    would count topics, not comments. So the vocabulary is chosen here, on the comments, and the
    returned vectorizer carries it fixed. The doc-term matrix (0/1) is returned for diagnostics.

    Raises ValueError when no word survives the rules (too few or too short comments).
    """
    low, high = document_frequency_limits(len(segmented_docs), min_df, max_df)
    fitting = CountVectorizer(analyzer=partial(keyword_terms, ngram_max=ngram_max), min_df=low, max_df=high,
                              binary=True)
    try:
        doc_terms = fitting.fit_transform(segmented_docs)
    except ValueError as exc:
        raise ValueError(
            f"no keyword is left after stop words and min_df={low}, max_df={high} on {len(segmented_docs)} comments"
        ) from exc
    vocabulary = {term: int(index) for term, index in fitting.vocabulary_.items()}
    log.info("keyword vocabulary: %d terms from %d comments (min_df=%d, max_df=%.2f)",
             len(vocabulary), len(segmented_docs), low, high)
    return keyword_vectorizer(vocabulary, ngram_max=ngram_max), doc_terms


def keyword_vectorizer(vocabulary: dict[str, int], *, ngram_max: int = 2) -> CountVectorizer:
    """The vectorizer BERTopic counts topic keywords with: the same analyzer, a fixed vocabulary."""
    return CountVectorizer(analyzer=partial(keyword_terms, ngram_max=ngram_max), vocabulary=vocabulary)
