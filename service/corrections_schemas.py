"""What the corrections API receives and answers (kept apart from service/schemas.py, which is near its size limit)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.corrections import MAX_LABEL_CHARS, MAX_SEED_PHRASES

TopicKey = Annotated[str, Field(min_length=1, max_length=20, examples=["t0003"])]


class LabelIn(BaseModel):
    label: str = Field(min_length=1, max_length=MAX_LABEL_CHARS, examples=["Giá xăng dầu"])

    model_config = ConfigDict(extra="forbid")


class MergeIn(BaseModel):
    topic_keys: list[TopicKey] = Field(min_length=1, max_length=100,
                                       description="Topics to fold into the one in the path.")

    model_config = ConfigDict(extra="forbid")


class SeedIn(BaseModel):
    label: str = Field(min_length=1, max_length=MAX_LABEL_CHARS, examples=["Sữa giả"])
    phrases: list[Annotated[str, Field(min_length=1, max_length=MAX_LABEL_CHARS)]] = Field(
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
