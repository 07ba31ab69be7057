"""What the corrections API receives and answers (kept apart from service/schemas.py, which is near its size limit)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.corrections import MAX_LABEL_CHARS, MAX_SEED_PHRASES

TopicKey = Annotated[str, Field(min_length=1, max_length=20, examples=["t0003"])]

NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""Some character that is not white space as Python's ``str.strip`` sees it: labels and phrases are
stored stripped, so one of white space alone is refused; spelled out so every regex engine agrees."""


class LabelIn(BaseModel):
    label: str = Field(min_length=1, max_length=MAX_LABEL_CHARS, pattern=NOT_BLANK, examples=["Giá xăng dầu"])

    model_config = ConfigDict(extra="forbid")


class MergeIn(BaseModel):
    topic_keys: list[TopicKey] = Field(min_length=1, max_length=100,
                                       description="Topics of the current run to fold into the one in the path "
                                                   "(not that one itself: 422 naming `topic_keys`).")

    model_config = ConfigDict(extra="forbid")


class SeedIn(BaseModel):
    label: str = Field(min_length=1, max_length=MAX_LABEL_CHARS, pattern=NOT_BLANK, examples=["Sữa giả"])
    phrases: list[Annotated[str, Field(min_length=1, max_length=MAX_LABEL_CHARS, pattern=NOT_BLANK)]] = Field(
        min_length=1, max_length=MAX_SEED_PHRASES, examples=[["sữa giả", "fake milk", "sữa bột giả"]],
        description="Comments that mention one, or are closer to them than to their own topic, split off.",
    )

    model_config = ConfigDict(extra="forbid")


class CorrectionPublic(BaseModel):
    id: int
    kind: Literal["rename", "merge", "hide", "seed"]
    topic_key: str = Field(description="The topic renamed, hidden or merged into, or the seeded topic's own key.")
    merged_keys: list[str] = Field(default_factory=list)
    label: str | None = None
    seed_phrases: list[str] = Field(default_factory=list)
    created_at: datetime
    undone_at: datetime | None = Field(None, description="Set when someone undid it; it no longer applies.")


class CorrectionsPublic(BaseModel):
    items: list[CorrectionPublic]
