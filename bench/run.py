"""`make bench`: the real server under load, scenario by scenario; a table on stdout and a JSON file.

For each server configuration (workers x ONNX threads) it starts `recommender serve` as a subprocess
(with its own embedded Redis in a temporary folder), waits for /readyz, records a few clicks for the
benchmark user so session blending and re-ranking really run, then drives `recommendations` with
1 and 8 keep-alive clients, with a fresh query text per request ("uncached") and with 8 repeating
texts ("cached"). `--rounds N` runs all of it N times in turn and judges each target on the median
of the rounds: on a machine whose speed drifts, one run decides nothing.
"""

import argparse
import itertools
import json
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from bench import client, cpu, queries
from bench.report import REFERENCE, print_table, targets_over_rounds
from bench.server import HEADERS, SECURED_ARGS, ServerConfig, prepare_user, secure, server_metrics, start_server
from tests.server_process import ServeProcess

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench-results"


def percentile(values: np.ndarray, q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def summarise(outcome: client.Outcome, duration: float) -> dict[str, Any]:
    if not outcome.samples:
        raise client.BenchError(f"no successful request; first error: {outcome.first_error}")
    latency = np.array([s.latency_ms for s in outcome.samples])
    stage = {name: np.array([s.timings[name] for s in outcome.samples]) for name in outcome.samples[0].timings}
    return {
        "requests": len(latency),
        "errors": outcome.errors,
        "first_error": outcome.first_error,
        "rps": round(len(latency) / duration, 1),
        "p50_ms": percentile(latency, 50),
        "p90_ms": percentile(latency, 90),
        "p99_ms": percentile(latency, 99),
        "mean_ms": round(float(latency.mean()), 2),
        "stage_medians_ms": {
            "embed": percentile(stage["embedMs"], 50),
            "search": percentile(stage["searchMs"], 50),
            "rerank": percentile(stage["rerankMs"], 50),
            "total": percentile(stage["totalMs"], 50),
            "http_graphql_overhead": percentile(latency - stage["totalMs"], 50),
        },
    }


def run_scenario(
    server: ServeProcess, clients: int, cached: bool, args: argparse.Namespace, counter: "itertools.count[int]"
) -> dict[str, Any]:
    next_body = queries.body_source(cached, counter)
    # Snapshots bracket the whole run; warm-up is a small, constant share of both.
    before = cpu.snapshot(server.process.pid)
    drive = client.drive("127.0.0.1", server.port, clients, next_body, args.warmup, args.duration, HEADERS)
    outcome = client.run_loop(drive)
    after = cpu.snapshot(server.process.pid)
    result = {"scenario": "cached" if cached else "uncached", "clients": clients, **summarise(outcome, args.duration)}
    result["cpu_cores"] = cpu.cores_used(before, after)
    return result


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line))
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "ram_gib": round(mem_kb / 1024**2, 1),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "reference_loop_ms_at_start": cpu.reference_loop_ms(),
        "python": platform.python_version(),
        "onnxruntime": metadata.version("onnxruntime"),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument(
        "--config",
        action="append",
        type=ServerConfig.parse,
        help="server as WORKERSxONNX_THREADS, repeatable (default: 1x2 and 2x1)",
    )
    p.add_argument("--clients", default="1,8", help="comma-separated concurrency levels")
    p.add_argument("--scenarios", default="uncached,cached")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring, per scenario")
    p.add_argument("--duration", type=float, default=12.0, help="measured seconds per scenario")
    p.add_argument("--out", type=Path, default=None, help="JSON file (default: bench-results/bench-<time>.json)")
    p.add_argument("--server-arg", action="append", default=[], help="extra `serve` argument, repeatable")
    p.add_argument("--rounds", type=int, default=1, help="run everything N times in turn; targets judged on the median")
    p.add_argument("--secured", action="store_true", help="end-user tokens and rate limits on (docs/operations.md)")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    return args


def run_config(
    config: ServerConfig,
    number: int,
    scenarios: list[str],
    levels: list[int],
    args: argparse.Namespace,
    counter: "itertools.count[int]",
) -> dict[str, Any]:
    """One server configuration through every scenario, on a fresh server and Redis."""
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        extra = [*args.server_arg, *(SECURED_ARGS if args.secured else [])]
        server = start_server(config, Path(workdir), extra, log_dir=OUT_DIR)
        try:
            prepare_user(server.port)
            run: dict[str, Any] = {"config": config.name, "round": number, "command": " ".join(server.command[1:])}
            run["results"] = []
            label = f"round {number}/{args.rounds} " if args.rounds > 1 else ""
            for scenario, clients in itertools.product(scenarios, levels):
                print(f"[{label}{config.name}] {scenario}, {clients} client(s) ...", flush=True)
                run["results"].append(run_scenario(server, clients, scenario == "cached", args, counter))
            run["metrics"] = server_metrics(server.port, config.workers)
            return run
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configs = args.config or [ServerConfig(1, 2), ServerConfig(2, 1)]
    if args.secured:
        secure()
    levels = [int(n) for n in args.clients.split(",")]
    scenarios = [name.strip() for name in args.scenarios.split(",")]
    OUT_DIR.mkdir(exist_ok=True)
    report: dict[str, Any] = {
        "machine": machine(),
        "load_generator": {
            "kind": f"Python {client.event_loop_name()} HTTP/1.1 keep-alive client (bench/client.py)",
            "processes": 1,
            "threads": 1,
            "note": "one core at most; its measured share is cpu_cores.client",
        },
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "query": {"document": queries.DOCUMENT, "category": queries.CATEGORY, "clicked": queries.CLICKED},
        "reference": REFERENCE,
        "runs": [],
    }
    counter = itertools.count()
    rounds: list[list[dict[str, Any]]] = []
    # Rounds run whole, one after another, so a slow spell of the machine hits every configuration
    # of one round rather than one configuration of every round.
    for number in range(1, args.rounds + 1):
        rounds.append([run_config(config, number, scenarios, levels, args, counter) for config in configs])
        report["runs"].extend(rounds[-1])
    report["rounds"] = args.rounds
    report["machine"]["reference_loop_ms_at_end"] = cpu.reference_loop_ms()
    report["targets"] = targets_over_rounds(rounds)
    out = args.out or OUT_DIR / time.strftime("bench-%Y%m%d-%H%M%S.json")
    out.write_text(json.dumps(report, indent=2))
    (OUT_DIR / "latest.json").write_text(json.dumps(report, indent=2))
    print_table(report)
    print(f"\nJSON: {out}")
    errors = sum(r["errors"] for run in report["runs"] for r in run["results"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
