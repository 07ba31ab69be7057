"""The converted offline e5 model, built once per test session and shared by the embedding tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from models.e5_convert import prepare_default_model

VIETNAMESE_AND_MORE = [
    "Xin chào các bạn, hôm nay trời đẹp quá!",
    "Sản phẩm này tốt lắm, giao hàng nhanh, đóng gói cẩn thận. Sẽ ủng hộ shop lần sau nha!!!",
    "toi khong biet phai noi gi nua, that su qua buon",
    "ko bik nói j luôn 😂😂 vl",
    "giá xăng tăng 🔥🔥🔥 #xang #giaxang",
    "I love this product, highly recommend it to everyone",
    "emoji 👍🏻 ❤️ 🇻🇳 🤡 haha",
    "  nhiều   khoảng trắng  và\ttab\nxuống dòng ",
    "ｆｕｌｌｗｉｄｔｈ ① ② ＡＢＣ",
    "đm thằng này ngu vãi, cay thật sự",
    "hihi",
]


@cache
def converted_e5(cache_dir: Path) -> Path:
    return prepare_default_model(cache_dir)
