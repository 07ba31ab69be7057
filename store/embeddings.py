"""The embedding cache: one vector per (model fingerprint, comment text hash).

Vectors are fixed-size ``FLOAT[dim]`` arrays in one table per dimension (``embeddings_384``),
created on first use; ``embedding_models`` says which fingerprint has which dimension. Keying by
the text hash means duplicate comments share one vector, and vectors of different models never
mix: a new fingerprint starts an empty cache.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa

from store.db import Store

_MAX_DIM = 16384


def vectors_table(dim: int) -> str:
    """The name of the table holding vectors of ``dim`` floats."""
    if not 0 < dim <= _MAX_DIM:
        raise ValueError(f"an embedding dimension must be between 1 and {_MAX_DIM}, got {dim}")
    return f"embeddings_{int(dim)}"


def register_model(store: Store, fingerprint: str, dim: int, model: str) -> None:
    """Record the model and create its dimension's vector table if this is the first of that size.

    Raises ValueError when the fingerprint is already registered with another dimension.
    """
    table = vectors_table(dim)
    with store.transaction() as cur:
        row = cur.execute("SELECT dim FROM embedding_models WHERE fingerprint = ?", [fingerprint]).fetchone()
        if row is not None and row[0] != dim:
            raise ValueError(f"model {fingerprint} is registered with dimension {row[0]}, not {dim}")
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            " fingerprint VARCHAR NOT NULL, text_hash VARCHAR NOT NULL,"
            f" vector FLOAT[{int(dim)}] NOT NULL, PRIMARY KEY (fingerprint, text_hash))"
        )
        if row is None:
            cur.execute(
                "INSERT INTO embedding_models (fingerprint, dim, model) VALUES (?, ?, ?)", [fingerprint, dim, model]
            )


def model_dim(store: Store, fingerprint: str) -> int | None:
    """The dimension of a registered model, or None when it has never been registered."""
    with store.cursor() as cur:
        row = cur.execute("SELECT dim FROM embedding_models WHERE fingerprint = ?", [fingerprint]).fetchone()
    return None if row is None else int(row[0])


def _registered_table(store: Store, fingerprint: str) -> str:
    dim = model_dim(store, fingerprint)
    if dim is None:
        raise KeyError(f"embedding model {fingerprint} is not registered; call register_model first")
    return vectors_table(dim)


def put_vectors(store: Store, fingerprint: str, text_hashes: Sequence[str], vectors: np.ndarray) -> int:
    """Store one vector per text hash in one transaction; hashes already stored are kept as they are.

    The model must be registered. Returns how many vectors were new.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(text_hashes):
        raise ValueError(f"expected {len(text_hashes)} vectors as a 2-d array, got shape {vectors.shape}")
    table = _registered_table(store, fingerprint)
    dim = vectors.shape[1]
    if table != vectors_table(dim):
        raise ValueError(f"model {fingerprint} stores vectors in {table}, not vectors of dimension {dim}")
    if not len(text_hashes):
        return 0
    batch = pa.table(
        {
            "text_hash": pa.array(list(text_hashes), pa.string()),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), dim),
        }
    )
    with store.transaction() as cur:
        cur.register("new_vectors", batch)
        (inserted,) = cur.execute(
            f"INSERT OR IGNORE INTO {table} (fingerprint, text_hash, vector)"
            " SELECT DISTINCT ON (text_hash) ?, text_hash, vector FROM new_vectors",
            [fingerprint],
        ).fetchone()
        cur.unregister("new_vectors")
    return int(inserted)


def text_counts(store: Store, fingerprint: str) -> tuple[int, int]:
    """(distinct comment texts, of those without a vector for this model)."""
    table = _registered_table(store, fingerprint)
    with store.cursor() as cur:
        total, missing = cur.execute(
            f"SELECT count(DISTINCT c.text_hash), count(DISTINCT c.text_hash) FILTER (WHERE e.text_hash IS NULL)"
            f" FROM comments c LEFT JOIN {table} e ON e.fingerprint = ? AND e.text_hash = c.text_hash",
            [fingerprint],
        ).fetchone()
    return int(total), int(missing)


def missing_texts(store: Store, fingerprint: str, *, batch_size: int = 2048) -> Iterator[tuple[list[str], list[str]]]:
    """Pages of (text hashes, texts) of comments with no vector for this model, in hash order.

    Each page is read after the previous one was handled, so vectors written in between are
    seen, and paging by hash keeps memory flat however many comments there are.
    """
    table = _registered_table(store, fingerprint)
    after = ""
    while True:
        with store.cursor() as cur:
            rows = cur.execute(
                f"SELECT c.text_hash, any_value(c.text) FROM comments c"
                f" WHERE c.text_hash > ? AND NOT EXISTS ("
                f"   SELECT 1 FROM {table} e WHERE e.fingerprint = ? AND e.text_hash = c.text_hash)"
                " GROUP BY c.text_hash ORDER BY c.text_hash LIMIT ?",
                [after, fingerprint, batch_size],
            ).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        yield [r[0] for r in rows], [r[1] for r in rows]


def comment_vectors(
    store: Store, fingerprint: str, comment_ids: Sequence[int] | np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(comment ids int64, vectors float32 (n, dim)) of the comments that have a vector, by id.

    ``comment_ids`` restricts the answer to those comments; ids without a vector (or unknown)
    are left out, so callers compare the returned ids with what they asked for.
    """
    dim = model_dim(store, fingerprint)
    if dim is None:
        return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
    table = vectors_table(dim)
    with store.cursor() as cur:
        sql = (
            f"SELECT c.id, e.vector FROM comments c JOIN {table} e"
            " ON e.fingerprint = ? AND e.text_hash = c.text_hash"
        )
        if comment_ids is not None:
            cur.register("wanted_ids", pa.table({"id": pa.array(np.asarray(comment_ids, dtype=np.int64))}))
            sql += " WHERE c.id IN (SELECT id FROM wanted_ids)"
        result = cur.sql(sql + " ORDER BY c.id", params=[fingerprint]).to_arrow_table()
    ids = result.column("id").to_numpy().astype(np.int64, copy=False)
    return ids, _matrix(result.column("vector"), dim)


def vectors_for_hashes(store: Store, fingerprint: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """The cached vectors of these text hashes (any text, not only stored comments'), by hash."""
    dim = model_dim(store, fingerprint)
    if dim is None or not len(text_hashes):
        return {}
    with store.cursor() as cur:
        cur.register("wanted_hashes", pa.table({"text_hash": pa.array(list(text_hashes), pa.string())}))
        result = cur.sql(
            f"SELECT e.text_hash, e.vector FROM {vectors_table(dim)} e"
            " WHERE e.fingerprint = ? AND e.text_hash IN (SELECT text_hash FROM wanted_hashes)",
            params=[fingerprint],
        ).to_arrow_table()
    return dict(zip(result.column("text_hash").to_pylist(), _matrix(result.column("vector"), dim)))


def _matrix(column: pa.ChunkedArray, dim: int) -> np.ndarray:
    """A fixed-size-list vector column as a float32 (rows, dim) array."""
    vectors = column.combine_chunks()
    flat = vectors.flatten().to_numpy(zero_copy_only=False) if len(vectors) else np.empty(0, np.float32)
    return flat.astype(np.float32, copy=False).reshape(len(vectors), dim)
