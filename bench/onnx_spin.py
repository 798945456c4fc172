"""The model call alone, per `--onnx-spin` mode: latency back to back and after a pause, and CPU per call.

    .venv/bin/python -m bench.onnx_spin [--threads 2] [--model DIR ...]

Raw ONNX Runtime sessions as the server builds them (`adapters.embedder.onnx_session`) on one
10-token query. "After a pause" sleeps 3 ms before each call, as between two requests of one client,
so an idle pool and an idle vCPU have to wake. CPU per call is the process's CPU time (all threads)
over the timed loop, pauses included: what spinning costs the rest of the box.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from adapters.embedder import SPIN_MODES, default_model_dir, onnx_session
from adapters.model_export import MODEL_FILE

PAUSE_S = 0.003
QUERY = np.array([[101, *range(2000, 2008), 102]], dtype=np.int64)  # [CLS] + 8 word pieces + [SEP]


def timed(model: Path, threads: int, spin: str, pause: float, calls: int) -> tuple[float, float]:
    session = onnx_session(model / MODEL_FILE, threads, spin)
    feeds = {"input_ids": QUERY, "attention_mask": np.ones_like(QUERY), "token_type_ids": np.zeros_like(QUERY)}
    for _ in range(20):
        session.run(None, feeds)
    latencies = []
    cpu = time.process_time()
    for _ in range(calls):
        if pause:
            time.sleep(pause)
        start = time.perf_counter()
        session.run(None, feeds)
        latencies.append(time.perf_counter() - start)
    return float(np.median(latencies)) * 1000, (time.process_time() - cpu) / calls * 1000


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.onnx_spin", description=__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--model", type=Path, action="append", help="an exported model folder (repeatable)")
    args = p.parse_args(argv)
    print(f"{args.threads} ONNX thread(s), 10-token query, median of {args.calls} calls")
    print(f"{'model':<40}{'spin':<8}{'back to back ms':>17}{'after 3 ms pause':>18}{'CPU/call ms':>13}")
    for model in args.model or [default_model_dir()]:
        for spin in SPIN_MODES:
            hot, _ = timed(model, args.threads, spin, 0.0, args.calls)
            cold, cpu = timed(model, args.threads, spin, PAUSE_S, args.calls)
            print(f"{str(model)[-39:]:<40}{spin:<8}{hot:>17.2f}{cold:>18.2f}{cpu:>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
