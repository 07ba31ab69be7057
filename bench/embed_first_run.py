"""A first ``topicpulse embed`` in a fresh data folder, as a whole process, against plain fp32 sentence-transformers.

    python bench/embed_first_run.py [--n 3000]

What a user pays for a new data folder once the machine has prepared the model (issue #11):
1. untimed: the machine-wide model cache is prepared (``topicpulse ingest`` + ``topicpulse embed``
   of a few comments in a scratch folder converts the default model and makes its int8 ONNX
   export, unless an earlier run did);
2. a fresh data folder gets the first ``--n`` ViHSD comments (``topicpulse ingest``, untimed),
   then the whole ``topicpulse embed`` process is timed, start to exit;
3. a whole Python process that loads the same converted model with sentence-transformers in fp32
   and encodes the same distinct stored texts (``query: `` prompt, normalised) is timed too;
4. the mean and minimum cosine of the stored vectors to the fp32 ones.

The model cache is the configured one (``TOPICPULSE_EMBEDDING__CACHE_DIR``), else the machine-wide
default. Texts are ViHSD's comments from ../shared/data/vihsd/train.csv (research-only data,
never copied into the repo; TOPICPULSE_SHARED_DATA overrides where it is looked for).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.embed import prepare_default  # noqa: E402
from config import Settings  # noqa: E402
from store import Store  # noqa: E402
from store.embeddings import comment_vectors  # noqa: E402
from store.topics import comment_texts  # noqa: E402

SHARED = Path(os.environ.get("TOPICPULSE_SHARED_DATA", ROOT.parent / "shared" / "data"))

_FP32 = """
import json, sys
import numpy as np
from sentence_transformers import SentenceTransformer

folder, texts_file, out = sys.argv[1:4]
texts = json.loads(open(texts_file, encoding="utf-8").read())
model = SentenceTransformer(folder, device="cpu")
vectors = model.encode(texts, prompt="query: ", batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
np.save(out, vectors.astype(np.float32))
"""


def vihsd_comments(n: int) -> list[str] | None:
    path = SHARED / "vihsd" / "train.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        texts = [row["free_text"] for row in csv.DictReader(handle) if (row.get("free_text") or "").strip()]
    return texts[:n]


def write_csv(path: Path, texts: list[str]) -> Path:
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "created_at"])
        for i, text in enumerate(texts):
            writer.writerow([text, (start + timedelta(minutes=i)).isoformat()])
    return path


def topicpulse(data_dir: Path, *args: str) -> tuple[float, str]:
    """Seconds of a whole ``topicpulse`` process (start to exit) and its output."""
    env = {**os.environ, "TOPICPULSE_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from service.cli import main; main()", *args],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"topicpulse {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="ViHSD comments in the fresh data folder")
    args = parser.parse_args()
    texts = vihsd_comments(args.n)
    if texts is None:
        print(f"SKIPPED: ViHSD not found at {SHARED / 'vihsd'}; set TOPICPULSE_SHARED_DATA to the shared/data folder")
        return
    work = Path(tempfile.mkdtemp(prefix="topicpulse-first-embed-"))
    print(f"# bench/embed_first_run.py --n {args.n}; {os.cpu_count()} CPUs; load average before {os.getloadavg()}")

    scratch = work / "scratch"
    topicpulse(scratch, "ingest", str(write_csv(work / "few.csv", texts[:20])))
    prepare_seconds, _ = topicpulse(scratch, "embed")
    print(f"model cache ready (untimed step; this run: {prepare_seconds:.1f} s)")

    fresh = work / "fresh"
    topicpulse(fresh, "ingest", str(write_csv(work / "comments.csv", texts)))
    embed_seconds, output = topicpulse(fresh, "embed")
    print(f"topicpulse embed, whole process: {embed_seconds:.1f} s ({output.strip()})")
    fingerprint = output.strip().rsplit("(", 1)[1].split(",")[0]

    with Store(work / "fresh" / "topicpulse.duckdb") as store:
        ids, ours = comment_vectors(store, fingerprint)
        stored = comment_texts(store, ids)
    unique, first = np.unique(np.array(stored, dtype=object), return_index=True)
    texts_file = work / "texts.json"
    texts_file.write_text(json.dumps([str(t) for t in unique], ensure_ascii=False), encoding="utf-8")
    folder = prepare_default(Settings(data_dir=fresh))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", _FP32, str(folder), str(texts_file), str(work / "fp32.npy")], check=True)
    fp32_seconds = time.perf_counter() - started
    reference = np.load(work / "fp32.npy")
    cosines = np.sum(ours[first] * reference, axis=1)
    print(f"plain fp32 sentence-transformers, whole process: {fp32_seconds:.1f} s ({len(unique)} distinct texts)")
    print(f"speed-up {fp32_seconds / embed_seconds:.2f}x; cosine to fp32 mean {cosines.mean():.4f}, min {cosines.min():.4f}")
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
