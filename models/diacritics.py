"""Diacritic restoration for analysis: Vietnamese typed without marks, written back as its neighbours write it.

A large share of Vietnamese social-media text is typed without diacritics ("gia xang lai tang").
Embedding models and keyword counts treat it as another language, so without restoration such
comments form a topic of their own ("gia, moi, nguoi") instead of joining the accented comments
on the same subject. ``DiacriticRestorer`` learns, from the accented comments of the same corpus,
which accented spelling each unmarked word takes in its context (the words before and after,
then the word alone) and writes the most frequent one.

Why this and not a packaged model: pyvi's ``ViUtils.add_accents`` (MIT) is a general CRF whose
output on comment text is often wrong ("hoc phi nam hoc moi tang gap doi" → "Hốc phí nằm học mỗi
tầng gặp đội", and it changes letter case); underthesea's restorer is better but GPL-3.0, which a
product shipped to customers cannot take. The corpus itself says how *these* people spell *these*
subjects, which is what a topic needs: the restored comment must land with its accented twins.
A word never seen accented is kept as typed.

The restored text is for analysis only (embedding and keywords); the stored comment keeps what
the person wrote.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from models.text import detect_language, fold_diacritics

_VIETNAMESE_MARK = re.compile(
    "[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_]+")
_START, _END = "<s>", "</s>"


def needs_restoration(text: str) -> bool:
    """Vietnamese with no diacritic at all: the form that splits topics in two."""
    return not _VIETNAMESE_MARK.search(text) and detect_language(text) == "vi"


class DiacriticRestorer:
    """Most frequent accented spelling of each unmarked word, by context, learned from a corpus."""

    def __init__(self) -> None:
        self._around: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
        self._before: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self._after: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self._alone: dict[str, Counter] = defaultdict(Counter)

    def fit(self, texts: Iterable[str]) -> DiacriticRestorer:
        """Learn spellings from the texts that carry diacritics (the others teach nothing)."""
        for text in texts:
            if not _VIETNAMESE_MARK.search(text):
                continue
            words = [w.lower() for w in _WORD.findall(text)]
            folded = [_START, *(fold_diacritics(w) for w in words), _END]
            for i, word in enumerate(words, start=1):
                key = folded[i]
                self._alone[key][word] += 1
                self._before[(folded[i - 1], key)][word] += 1
                self._after[(key, folded[i + 1])][word] += 1
                self._around[(folded[i - 1], key, folded[i + 1])][word] += 1
        return self

    @property
    def vocabulary_size(self) -> int:
        return len(self._alone)

    def restore(self, text: str) -> str:
        """``text`` with each unmarked word in its most frequent accented spelling; case kept."""
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        if not spans:
            return text
        folded = [_START, *(fold_diacritics(text[a:b].lower()) for a, b in spans), _END]
        out, last = [], 0
        for i, (a, b) in enumerate(spans, start=1):
            out.append(text[last:a])
            out.append(_with_case(text[a:b], self._spelling(folded[i - 1], folded[i], folded[i + 1])))
            last = b
        out.append(text[last:])
        return "".join(out)

    def _spelling(self, before: str, word: str, after: str) -> str:
        for counts in (self._around.get((before, word, after)), _sum(self._before.get((before, word)),
                                                                     self._after.get((word, after))),
                       self._alone.get(word)):
            if counts:
                return counts.most_common(1)[0][0]
        return word


def _sum(left: Counter | None, right: Counter | None) -> Counter | None:
    if left is None or right is None:
        return left or right
    return left + right


def _with_case(original: str, spelling: str) -> str:
    if original.isupper() and len(original) > 1:
        return spelling.upper()
    if original[:1].isupper():
        return spelling[:1].upper() + spelling[1:]
    return spelling


def analysis_texts(texts: Sequence[str], restorer: DiacriticRestorer | None = None) -> tuple[list[str], list[int]]:
    """The texts analysis reads, and the positions restored: unmarked Vietnamese gets its diacritics back.

    Without ``restorer`` it learns from the accented texts in ``texts`` themselves, so a comment
    typed without marks is written as the corpus around it writes the same words.
    """
    restored = [i for i, text in enumerate(texts) if needs_restoration(text)]
    if not restored:
        return list(texts), []
    restorer = restorer or DiacriticRestorer().fit(texts)
    out = list(texts)
    for i in restored:
        out[i] = restorer.restore(texts[i])
    return out, [i for i in restored if out[i] != texts[i]]
