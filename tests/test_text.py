import csv
import unicodedata
from collections import Counter

import pytest

from models.text import detect_language, normalise_text, redact, text_hash
from tests.conftest import shared_dataset


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hoà bình", "hòa bình"),
        ("hòa bình", "hòa bình"),
        ("thuý", "thúy"),
        ("khoẻ", "khỏe"),
        ("HOÀ", "HÒA"),
        ("Khoẻ", "Khỏe"),
        ("tuỳ", "tùy"),
        ("uỷ ban", "ủy ban"),
        ("xoá", "xóa"),
        ("loà xoà", "lòa xòa"),
        ("muà", "mùa"),
        ("ngoaì", "ngoài"),
        ("ngừơi", "người"),
    ],
)
def test_old_and_new_tone_placement_map_to_one_form(given: str, expected: str) -> None:
    assert normalise_text(given) == expected


@pytest.mark.parametrize(
    "word",
    ["hoàng", "toán", "khuyến", "quý", "quả", "già", "giường", "người", "thuở", "khuỷu", "huỳnh", "rượu", "café"],
)
def test_correctly_placed_or_foreign_words_are_left_alone(word: str) -> None:
    assert normalise_text(word) == word


def test_misplaced_marks_after_qu_and_gi_are_moved() -> None:
    assert normalise_text("qúy") == "quý"
    assert normalise_text("gìa") == "già"


def test_decomposed_input_equals_precomposed() -> None:
    composed = "Giá xăng hôm nay tăng, hòa cả làng"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert normalise_text(decomposed) == composed
    # Windows-1258 style: base letter plus combining tone mark, old placement.
    assert normalise_text("tho\u0309a ma\u0303n ho\u0300a") == "thỏa mãn hòa"


def test_invisible_and_control_characters_go_and_whitespace_collapses() -> None:
    assert normalise_text("  a\u200bb\u200d \t\n\r c\u0007d\ufeff  \u00a0 e ") == "ab cd e"


def test_emoji_survive() -> None:
    assert normalise_text("giá xăng 😡😡 quá") == "giá xăng 😡😡 quá"


@pytest.mark.parametrize(
    "phone",
    [
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "0912345678",
        "091 234 5678",
        "0386 123 456",
        "0701234567",
        "+84 912 345 678",
        "+84912345678",
        "(+84) 912 345 678",
        "84 912 345 678",
        "028 3822 1234",
    ],
)
def test_vietnamese_phone_numbers_are_redacted(phone: str) -> None:
    assert normalise_text(f"liên hệ {phone} nhé") == "liên hệ <phone> nhé"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cmnd 123456789 nha", "cmnd <id> nha"),
        ("cccd 001203004567", "cccd <id>"),
        ("mail a.b+c@gmail.com.vn giúp", "mail <email> giúp"),
        ("xem https://vnexpress.net/a-b-123.html, hay lắm", "xem <url>, hay lắm"),
        ("vào www.foo.com.", "vào <url>."),
        ("mua ở shopee.vn/abc đi", "mua ở <url> đi"),
    ],
)
def test_urls_emails_and_id_numbers_are_redacted(given: str, expected: str) -> None:
    assert normalise_text(given) == expected


@pytest.mark.parametrize(
    "kept",
    ["giá 100.000.000 đồng", "năm 2024 có 12345678 người", "mã 0123", "số 1234567890123", "25/12/2024 lúc 10:30"],
)
def test_amounts_dates_and_other_numbers_are_not_redacted(kept: str) -> None:
    assert normalise_text(kept) == kept


def test_redaction_can_be_turned_off() -> None:
    assert normalise_text("gọi 0912345678", redact_pii=False) == "gọi 0912345678"
    assert redact("gọi 0912345678") == "gọi <phone>"


def test_normalisation_is_idempotent() -> None:
    text = "Hoà  ơi gọi 0912 345 678 hoặc  xem https://x.vn\u200b nhé 😀"
    once = normalise_text(text)
    assert normalise_text(once) == once


def test_text_hash_is_sha256_of_the_given_text() -> None:
    assert text_hash("hòa") == text_hash(normalise_text("hoà"))
    assert text_hash("a") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Giá xăng lại tăng rồi, khổ quá", "vi"),
        ("khong biet nua, gia xang tang hoai", "vi"),
        ("ko bt j luon, dc r", "vi"),
        ("ngap nuoc qua troi", "vi"),
        ("Đường ngập", "vi"),
        ("Hôm nay trời đẹp, let's go", "vi"),
        ("The price of fuel is too high", "en"),
        ("Fuel prices skyrocketed yesterday", "en"),
        ("School fees are way too expensive this year", "en"),
        ("😀😀😀", "other"),
        ("", "other"),
        ("12345 !!!", "other"),
        ("这是一条中文评论", "other"),
        ("Это комментарий на русском", "other"),
        ("la vie est belle et je suis content", "other"),
        ("hola como estas amigo", "other"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.shared_data
def test_real_vietnamese_comments_are_vi_and_bbc_articles_en() -> None:
    """ViHSD: real Facebook/YouTube comments; what is not vi is mostly emoji, names and slang."""
    with (shared_dataset("vihsd") / "train.csv").open(encoding="utf-8", newline="") as handle:
        texts = [row["free_text"] for row in csv.DictReader(handle)]
    found = Counter(detect_language(normalise_text(t)) for t in texts)
    assert found["vi"] / len(texts) > 0.94
    assert found["en"] / len(texts) < 0.01
    articles = sorted((shared_dataset("bbc-news") / "bbc").glob("*/*.txt"))[::10]
    found = Counter(detect_language(normalise_text(p.read_bytes().decode("utf-8", "replace"))) for p in articles)
    assert found == Counter(en=len(articles))
