"""How fast the small CLI commands answer, as whole processes (issue #11 item 2).

    python bench/cli_start.py [--repeats 5] [--comments 200] [--model PATH] [--tree CHECKOUT]

Times, in fresh processes that do what the ``topicpulse`` entry point does (import
``service.cli`` and call ``main``) from this checkout, or from ``--tree`` to measure another
commit with the same virtual environment: ``--help``, ``embed`` with
nothing left to embed, ``jobs`` and ``keys list``; prints the median and the fastest of
``--repeats`` runs of each. The store is a temporary data folder with ``--comments`` short
comments, embedded once before timing (with the offline default model unless ``--model`` names
a sentence-transformers folder), so ``embed`` finds every text already done.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402

COMMANDS = (["--help"], ["embed"], ["jobs"], ["keys", "list"])


def add_comments(data_dir: Path, n: int) -> None:
    with Store(data_dir / "topicpulse.duckdb") as store, store.transaction() as cur:
        for i in range(n):
            text = f"bình luận số {i} về giá xăng và tắc đường"
            cur.execute(
                "INSERT INTO comments (batch_id, source, created_at, text, text_hash, lang)"
                " VALUES (1, 'bench', now(), ?, ?, 'vi')",
                [text, hashlib.sha256(text.encode()).hexdigest()],
            )


ENTRY = "from service.cli import main; main()"


def run(args: list[str], env: dict[str, str], tree: Path) -> float:
    """Seconds for one whole ``topicpulse ARGS`` process; a failure stops the bench."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ENTRY, *args], env=env, cwd=tree, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"topicpulse {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--model", help="a sentence-transformers folder (default: the offline default model)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose CLI is timed (default: this one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cli-start-") as tmp:
        data_dir = Path(tmp)
        env = {**os.environ, "TOPICPULSE_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
        if args.model:
            env["TOPICPULSE_EMBEDDING__MODEL"] = args.model
        add_comments(data_dir, args.comments)
        first = run(["embed"], env, args.tree)
        print(f"setup: {args.comments} comments embedded once in {first:.1f}s (model {args.model or 'default'})")
        print(f"tree: {args.tree.resolve()}")
        print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
        print(f"{'command':<22} {'median s':>9} {'min s':>7}  ({args.repeats} runs)")
        for command in COMMANDS:
            times = [run(command, env, args.tree) for _ in range(args.repeats)]
            print(f"topicpulse {' '.join(command):<11} {statistics.median(times):>9.2f} {min(times):>7.2f}")
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
