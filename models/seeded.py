"""Seeded topics: the comments an analyst's seed phrases split off from the fitted topics.

A comment joins the seeded topic when it mentions a seed phrase, or when its embedding is closer
to the seed's centre than to the centroid of the topic it is in (for an unassigned comment, than
to its nearest centroid). The centre starts as the phrases' embedding together with the comments
that mention them, and is moved once to the mean of the first members, as one k-means step would:
a phrase alone sits far from whole comments, its members' mean does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REFINE_STEPS = 1
MEMBER_QUANTILE = 0.05


@dataclass
class SeedMembers:
    """Positions of the members, their cosines to the centre, the centre, and the threshold to join."""

    positions: np.ndarray
    similarity: np.ndarray
    centroid: np.ndarray
    min_similarity: float


def seed_members(
    vectors: np.ndarray, own_similarity: np.ndarray, seed_vector: np.ndarray, mentions: np.ndarray
) -> SeedMembers:
    """Members among ``vectors`` (unit rows); ``own_similarity``: each one's cosine to its current
    topic; ``mentions``: a boolean mask of the comments that contain a seed phrase."""
    centre = _unit(np.vstack([seed_vector[None, :], vectors[mentions]]).mean(axis=0))
    members = mentions.copy()
    for _ in range(REFINE_STEPS + 1):
        similarity = vectors @ centre
        members = mentions | (similarity > own_similarity)
        if members.any():
            centre = _unit(np.vstack([seed_vector[None, :], vectors[members]]).mean(axis=0))
    similarity = vectors @ centre
    positions = np.flatnonzero(members)
    floor = float(np.quantile(similarity[positions], MEMBER_QUANTILE)) if len(positions) else 1.0
    return SeedMembers(positions=positions, similarity=similarity[positions], centroid=centre, min_similarity=floor)


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
