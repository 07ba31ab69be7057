"""Small synthetic comment sets for topic tests: a few clear themes, reproducible from a seed;
and ``copy_store``, which gives a test its own copy of a store prepared once from them."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from config import Settings

# English themes for pipeline tests: the small English test model embeds them into clear clusters.
ENGLISH_THEMES = {
    "housing": ["rent prices", "apartment", "landlord", "mortgage rates", "housing market", "tenants"],
    "traffic": ["traffic jam", "motorbike", "road works", "bus route", "parking fines", "rush hour"],
    "school": ["teachers", "exam results", "school fees", "homework", "classroom", "students"],
    "health": ["hospital", "doctors", "vaccines", "medicine", "health insurance", "nurses"],
}
EXTRA_THEME = {"football": ["football match", "goalkeeper", "league table", "striker", "penalty kick", "stadium"]}
_OPENERS = ["honestly", "I think", "today", "everyone knows", "in my city", "people say"]
_TAILS = ["is getting worse", "needs to change", "is a real problem", "keeps getting discussed", "is on the news"]

# Vietnamese themes for the segmentation tests; embeddings for them are built by hand.
VIETNAMESE_THEMES = {
    "land": ["đất đai", "quy hoạch", "bồi thường", "sổ đỏ", "giải phóng mặt bằng", "thu hồi"],
    "traffic": ["giao thông", "ùn tắc", "xe máy", "tai nạn", "đường phố", "cảnh sát"],
    "school": ["giáo viên", "học sinh", "trường học", "học phí", "thi cử", "sách giáo khoa"],
    "health": ["bệnh viện", "bác sĩ", "thuốc men", "bảo hiểm", "y tá", "phòng khám"],
}
_VI_OPENERS = ["tôi thấy", "mọi người", "hôm nay", "thật sự", "nói chung", "ai cũng biết"]


def english_records(themes: dict[str, list[str]], per_theme: int, *, seed: int = 0, start: datetime | None = None,
                    days: int = 14, prefix: str = "c") -> list[dict]:
    """Comment records (external id, text, created_at, true theme in ``topic_hint``) for ingest."""
    rng = np.random.default_rng(seed)
    start = start or datetime(2026, 3, 1, tzinfo=timezone.utc)
    records = []
    for theme, phrases in themes.items():
        for i in range(per_theme):
            a, b = rng.choice(phrases, 2, replace=False)
            text = f"{rng.choice(_OPENERS)} the {a} and the {b} {rng.choice(_TAILS)} #{i}"
            when = start + timedelta(days=int(rng.integers(days)), hours=int(rng.integers(24)))
            records.append({"id": f"{prefix}-{theme}-{i}", "text": text, "created_at": when.isoformat(),
                            "topic_hint": theme})
    return records


def vietnamese_corpus(per_theme: int, *, seed: int = 0, dim: int = 32, spread: float = 0.35
                      ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, unit embeddings clustered by theme, theme index per text)."""
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for t, phrases in enumerate(VIETNAMESE_THEMES.values()):
        for _ in range(per_theme):
            a, b, c = rng.choice(phrases, 3, replace=False)
            texts.append(f"{rng.choice(_VI_OPENERS)} {a} và {b} ở đây {c} quá tệ")
            truth.append(t)
    truth = np.array(truth)
    centres = rng.normal(size=(len(VIETNAMESE_THEMES), dim))
    vectors = centres[truth] + spread * rng.normal(size=(len(texts), dim))
    return texts, (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32), truth


def copy_store(store_file: Path, settings: Settings) -> Settings:
    """``settings``, with a copy of ``store_file`` at its store path for the test to change freely."""
    settings.store_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(store_file, settings.store_path)
    return settings
