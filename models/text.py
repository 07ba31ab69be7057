"""Text normalisation shared by ingestion and embedding: one canonical form for each comment.

``normalise_text`` turns a comment as received into the text analysis reads:

1. Unicode NFC, so that decomposed input (Windows-1258 files carry tone marks as combining
   characters) compares and hashes equal to precomposed input.
2. Zero-width, control, format and private-use characters are removed (the zero-width
   joiner too, so a joined emoji falls apart into its parts); whitespace runs, line breaks
   included, collapse to one space.
3. One tone-mark placement. Vietnamese has two conventions for the open syllables ``oa``,
   ``oe`` and ``uy``: the traditional one (``hòa``, ``khỏe``, ``thúy``), the most common in web
   text, and the one the 1980s spelling rules introduced (``hoà``, ``khoẻ``, ``thuý``).
   TopicPulse writes the traditional form everywhere: the mark goes on the vowel with a
   diacritic (``ư``, ``ơ``, ``â`` ...) if there is one, on the last vowel of a closed syllable
   (``hoàng``), on the middle one of three (``ngoài``), else on the first of two (``hòa``, ``mùa``).
   Any misplaced mark (``hoà``, ``muà``) is moved by the same rule.
4. Redaction (on by default): URLs, e-mail addresses, Vietnamese phone numbers and 9- or
   12-digit ID numbers (CMND/CCCD) become ``<url>``, ``<email>``, ``<phone>`` and ``<id>``.
   A 9-digit amount written without separators is also redacted; amounts written the
   Vietnamese way (``100.000.000``) are not.

``text_hash`` is the key that comments and the embedding cache share; ``detect_language``
tells Vietnamese (with or without diacritics, teen-code included) from English and the rest
with a character and word-list heuristic, so no model is downloaded.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from typing import Literal

Language = Literal["vi", "en", "other"]

URL = "<url>"
EMAIL = "<email>"
PHONE = "<phone>"
ID_NUMBER = "<id>"

# ---------------------------------------------------------------- invisible characters

_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\ue000-\uf8ff]"
)
_DIGIT = re.compile(r"\d")

# ---------------------------------------------------------------- tone marks

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_BASE_VOWELS = "aăâeêioôơuưy"
_HATTED = set("ăâêôơư")


def _tone_tables() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], str]]:
    split: dict[str, tuple[str, str]] = {}
    join: dict[tuple[str, str], str] = {}
    for base in _BASE_VOWELS + _BASE_VOWELS.upper():
        for mark in _TONE_MARKS:
            toned = unicodedata.normalize("NFC", base + mark)
            split[toned] = (base, mark)
            join[(base, mark)] = toned
    return split, join


_SPLIT_TONE, _JOIN_TONE = _tone_tables()
_VOWEL_CLASS = "".join(sorted(set(_BASE_VOWELS + _BASE_VOWELS.upper()) | set(_SPLIT_TONE)))
_TONED_CLASS = "".join(sorted(_SPLIT_TONE))
# A word whose tone mark sits in a cluster of vowels: the only place it can be misplaced.
_TONE_CANDIDATE = re.compile(
    rf"\b(?=[^\W\d_]*(?:[{_TONED_CLASS}][{_VOWEL_CLASS}]|[{_VOWEL_CLASS}][{_TONED_CLASS}]))[^\W\d_]+"
)


@lru_cache(maxsize=65536)
def _place_tone(word: str) -> str:
    """The word with its tone mark where the traditional convention puts it, else unchanged."""
    mark = None
    bases = []
    for ch in word:
        split = _SPLIT_TONE.get(ch)
        if split is None:
            bases.append(ch)
            continue
        if mark is not None:
            return word  # two tone marks: not one Vietnamese syllable
        bases.append(split[0])
        mark = split[1]
    if mark is None:
        return word
    lower = "".join(bases).lower()
    vowels = [i for i, ch in enumerate(lower) if ch in _BASE_VOWELS]
    if len(vowels) > 1 and vowels[0] == 1 and lower[:2] in ("qu", "gi"):
        vowels = vowels[1:]  # the u of qu and the i of gi belong to the consonant
    if len(vowels) > 3 or vowels != list(range(vowels[0], vowels[-1] + 1)):
        return word
    hatted = [i for i in vowels if lower[i] in _HATTED]
    if hatted:
        position = hatted[-1]
    elif len(vowels) == 1 or vowels[-1] < len(lower) - 1:
        position = vowels[-1]
    elif len(vowels) == 3:
        position = vowels[1]
    else:
        position = vowels[0]
    bases[position] = _JOIN_TONE[(bases[position], mark)]
    return "".join(bases)


def _fix_tone_marks(text: str) -> str:
    return _TONE_CANDIDATE.sub(lambda m: _place_tone(m.group(0)), text)


# ---------------------------------------------------------------- redaction

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.(?:com|net|org|vn|info|io|me|ly|co|xyz|shop|top|online|site|link|club)"
    r"\b(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
_PHONE_RE = re.compile(r"(?<![\w+])(?:\(?\+?84\)?|0)(?:[ .\-]?\d){8,10}(?!\w)")
_ID_RE = re.compile(r"(?<![\w<])(?:\d{12}|\d{9})(?!\w)")
_TRAILING_PUNCT = ".,;:!?)]}'\""


def _phone(match: re.Match[str]) -> str:
    """Vietnamese numbers: 0 + 9 digits (mobile 03/05/07/08/09) or 0 + 10 (landline 02x), or +84."""
    found = match.group(0)
    digits = re.sub(r"\D", "", found)
    national = digits[2:] if not found.startswith("0") else digits[1:]
    mobile = len(national) == 9 and national[0] in "35789"
    landline = len(national) == 10 and national[0] == "2"
    return PHONE if mobile or landline else found


def _url(match: re.Match[str]) -> str:
    found = match.group(0)
    kept = found.rstrip(_TRAILING_PUNCT)
    return URL + found[len(kept) :]


def redact(text: str) -> str:
    """Replace URLs, e-mails, Vietnamese phone numbers and ID numbers with placeholders."""
    if "@" in text:
        text = _EMAIL_RE.sub(EMAIL, text)
    if "." in text:
        text = _URL_RE.sub(_url, text)
    if _DIGIT.search(text):
        text = _PHONE_RE.sub(_phone, text)
        text = _ID_RE.sub(ID_NUMBER, text)
    return text


# ---------------------------------------------------------------- public API


def normalise_text(text: str, *, redact_pii: bool = True) -> str:
    """The canonical form of a comment: NFC, one tone-mark convention, clean spaces, redacted."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = " ".join(text.split())
    text = _fix_tone_marks(text)
    if redact_pii:
        text = redact(text)
    return text


def text_hash(text: str) -> str:
    """sha256 hex of ``text``, which must already be normalised (what ``comments.text`` holds).

    It is the de-duplication key and the embedding cache key, so callers hash
    ``normalise_text(x)``, never the raw input.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- language

# Letters only Vietnamese uses among Latin scripts (French and Spanish share à, é, ô ...).
_VI_SPECIFIC = re.compile("[ăđơưĩũỳỹĂĐƠƯĨŨỲỸ\u1ea0-\u1ef9]")
_WORD = re.compile(r"[^\W\d_]+")
_NON_LATIN = re.compile("[^\u0000-\u024f\u1e00-\u1eff]")
# A diacritic-free Vietnamese syllable: onset, a legal vowel cluster, an optional coda.
_VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"(?:a|e|i|o|u|y|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|ua|ue|ui|uo|uu|uy|ye|"
    r"ieu|oai|oay|oeo|uay|uoi|uou|uya|uye|uyu|yeu)"
    r"(?:ch|ng|nh|[cmnpt])?"
)
# Frequent Vietnamese syllables written without diacritics, and teen-code. Words that are
# also frequent in English (an, can, do, may, me, no, so, to, the ...) are in neither list.
_VI_WORDS = frozenset(
    """
    anh ba bac bai bao bay ben bi biet bieu binh bo bon bong bua buoi chi chinh cho chu chua
    chuc chung chuyen co con cua cuc cung cuoc cuoi da dai dan dang dao dau day den deu di
    dia dich dien dinh doan doi don dong du dua duc dung duoc duong gan gap gi gia giai giam
    gio giu hai han hang hanh hay het hien hieu hoc hoi hom hon hop hung huong khac khach
    khi khoang khong khu kia kiem kinh la lai lam lan len loai loi luc luon luong ma mat moi
    mot mua muc muon nam nao nay ne nen neu ngay nghe nghi ngoai ngu nguoi nha nhan nhanh nhat
    nhe nhieu nho nhu nhung noi nua nuoc nuoi phai phan phat phi phong phu qua quan quy rat
    roi ra rang sach sang sao sau se sinh song su tai tam tao thang thanh thay thi thien
    thoi thu thuc thuong tien tieng tiep toi tot tra tranh trao tren tri trong truoc truong
    tu tuan tuoi tuong uong va van vao vay ve viec viet vien voi vua xa xang xau xe xem xin
    xong yeu ko hok hem khum dc k j z r bn mk mik mn ng ntn vs bt trc cx cg ak oy uk ukm hic
    thui wa iu bik nhiu dzay zay zui ui oi troi oii
    kb vl vcl vc qa ae ny cmt ib ad ms mng
    """.split()
)
_EN_WORDS = frozenset(
    """
    about after again all also am and any are as at be because been before being between
    both but by could did does doing down during each few for from further had has have
    having her here hers him his how i if into is it its just more most my nor not now of off
    once only or other our out over own same she should some such than that their them then
    there these they this those through too under until up very was we were what when where
    which while who whom why will with would you your yours people price prices really think the to in on
    good bad great please know get got like want need new time year today still even much
    many make made going government high higher low why because every again never always
    fuel school hospital traffic fees fine fines law land flood power outage scam scams
    football match team vietnam city road police bill bills pay paid money cost costs
    """.split()
)


def detect_language(text: str) -> Language:
    """``vi``, ``en`` or ``other`` by characters and word lists; diacritic-free Vietnamese counts as vi."""
    words = _WORD.findall(text.lower())
    if not words:
        return "other"
    if _NON_LATIN.search(text) and sum(1 for w in words if _NON_LATIN.search(w)) * 2 > len(words):
        return "other"
    vi = en = 0.0
    vi_evidence = en_evidence = 0
    for word in words:
        side, weight = _word_evidence(word)
        if side == "vi":
            vi += weight
            vi_evidence += weight == 1.0
        elif side == "en":
            en += weight
            en_evidence += weight == 1.0
    if vi > en and vi_evidence:
        return "vi"
    if en > vi and en_evidence:
        return "en"
    return "other"


@lru_cache(maxsize=65536)
def _word_evidence(word: str) -> tuple[str | None, float]:
    """Which language one lower-case word points to: 1.0 from a list or diacritic, 0.5 from its shape."""
    if _VI_SPECIFIC.search(word):
        return "vi", 1.0
    folded = fold_diacritics(word)
    if folded in _VI_WORDS:
        return "vi", 1.0
    if folded != word and folded.isascii():  # à, é, ô ...: Vietnamese if shaped like a syllable
        return "vi", 1.0 if _VI_SYLLABLE.fullmatch(folded) else 0.5
    if word in _EN_WORDS:
        return "en", 1.0
    if not folded.isascii():
        return None, 0.0
    return ("vi", 0.5) if _VI_SYLLABLE.fullmatch(folded) else ("en", 0.5)


@lru_cache(maxsize=65536)
def fold_diacritics(word: str) -> str:
    """The word without diacritics, đ as d: how Vietnamese is typed on a phone without a keyboard."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")
