"""Which field of an input record plays which role (text, time, id, source, author), by its name.

Names are compared after lower-casing and folding diacritics ("Nội dung" → noi_dung), so Vietnamese
and English headers both work; every other field goes to ``meta``, except identity fields, which
are not kept at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from models.text import fold_diacritics
from pipelines.ingest_read import IngestError

# Column names tried in order, compared after lower-casing and folding diacritics ("Nội dung" → noi_dung).
TEXT_COLUMNS = ("text", "content", "comment", "noi_dung", "message", "body", "binh_luan", "comment_text", "title")
TIME_COLUMNS = ("created_at", "timestamp", "date", "time", "datetime", "created_time", "published_at", "thoi_gian", "ngay")
ID_COLUMNS = ("id", "external_id", "comment_id")
SOURCE_COLUMNS = ("source", "channel", "platform", "nguon")
AUTHOR_COLUMNS = ("author", "user", "username", "user_name", "author_name", "author_id", "user_id")
# Identity columns that never reach meta: authors are hashed, these are simply not kept.
IDENTITY_COLUMNS = frozenset(
    ("email", "e_mail", "phone", "phone_number", "sdt", "so_dien_thoai", "name", "full_name", "ho_ten",
     "profile_url", "avatar", "ip", "ip_address")
)


@dataclass(frozen=True)
class Columns:
    """Which input field plays which role; everything else goes to meta."""

    text: str | None
    created_at: str | None
    external_id: str | None
    source: str | None
    author: str | None
    meta: tuple[str, ...]
    dropped: tuple[str, ...]

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Columns:
        names = list(names)
        by_key: dict[str, str] = {}
        for name in names:
            by_key.setdefault(_column_key(name), name)

        def pick(candidates: tuple[str, ...]) -> str | None:
            return next((by_key[c] for c in candidates if c in by_key), None)

        roles = {
            "text": pick(TEXT_COLUMNS),
            "created_at": pick(TIME_COLUMNS),
            "external_id": pick(ID_COLUMNS),
            "source": pick(SOURCE_COLUMNS),
            "author": pick(AUTHOR_COLUMNS),
        }
        mapped = {name for name in roles.values() if name}
        dropped = tuple(n for n in names if n not in mapped and _column_key(n) in IDENTITY_COLUMNS)
        meta = tuple(n for n in names if n not in mapped and n not in dropped and n != "")
        return cls(meta=meta, dropped=dropped, **roles)

    def check_usable(self, where: str) -> None:
        if self.text is None:
            raise IngestError(
                f"{where}: no text column. Name the column holding the comment one of "
                f"{', '.join(TEXT_COLUMNS)}."
            )
        if self.created_at is None:
            raise IngestError(
                f"{where}: no timestamp column. Name the column holding the comment time one of "
                f"{', '.join(TIME_COLUMNS)}."
            )


def _column_key(name: str) -> str:
    folded = fold_diacritics(unicodedata.normalize("NFC", str(name)).strip().lower())
    return re.sub(r"[\s\-]+", "_", folded.lstrip("\ufeff"))
