"""Reference figures, targets and the printed table of a benchmark report."""

import statistics
from itertools import groupby
from typing import Any

# The public Python demo this project replaces, same machine class (see BENCHMARKS.md).
REFERENCE: dict[str, dict[str, float]] = {
    "1": {"rps": 66.0, "p50_ms": 15.3, "p99_ms": 23.0},
    "8": {"rps": 57.0, "p50_ms": 141.0, "p99_ms": 180.0},
}

# (scenario, clients, metric, bound, "min" | "max")
TARGETS: list[tuple[str, int, str, float, str]] = [
    ("uncached", 8, "rps", 230.0, "min"),
    ("cached", 8, "rps", 1150.0, "min"),
    ("uncached", 1, "p50_ms", 5.0, "max"),
    ("cached", 1, "p50_ms", 2.0, "max"),
]


def ratio(result: dict[str, Any], metric: str) -> float | None:
    """How many times better than the reference: more req/s, or fewer milliseconds."""
    reference = REFERENCE.get(str(result["clients"]), {}).get(metric)
    if reference is None or not result[metric]:
        return None
    value = float(result[metric])
    return value / reference if metric == "rps" else reference / value


def _with_ratio(result: dict[str, Any], metric: str) -> str:
    value = result[metric]
    r = ratio(result, metric)
    shown = f"{value:.0f}" if metric == "rps" else f"{value:.2f}"
    return f"{shown} (x{r:.1f})" if r is not None else shown


def meets(value: float, bound: float, kind: str) -> bool:
    return value >= bound if kind == "min" else value <= bound


def targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for scenario, clients, metric, bound, kind in TARGETS:
        candidates = [
            (run["config"], r[metric])
            for run in runs
            for r in run["results"]
            if r["scenario"] == scenario and r["clients"] == clients
        ]
        if not candidates:
            continue
        config, best = (max if kind == "min" else min)(candidates, key=lambda c: c[1])
        met = meets(best, bound, kind)
        checks.append(
            {"scenario": scenario, "clients": clients, "metric": metric, "bound": bound, "kind": kind}
            | {"best": best, "best_config": config, "met": met}
        )
    return checks


def targets_over_rounds(rounds: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each target judged on its median over the rounds (each round's best configuration), so one lucky
    or unlucky run on a noisy machine does not decide it; every round's figure is kept beside it."""
    per_round = [targets(runs) for runs in rounds]
    summary = []
    for i, first in enumerate(per_round[0]):
        values = [checks[i]["best"] for checks in per_round]
        median = statistics.median(values)
        common = {key: first[key] for key in ("scenario", "clients", "metric", "bound", "kind")}
        summary.append(
            common
            | {"best": round(median, 2), "per_round": values, "best_configs": [c[i]["best_config"] for c in per_round]}
            | {"met": meets(median, first["bound"], first["kind"])}
            | {"met_rounds": sum(checks[i]["met"] for checks in per_round)}
        )
    return summary


def print_table(report: dict[str, Any]) -> None:
    m, gen = report["machine"], report["load_generator"]
    print(f"\nmachine: {m['nproc']} cores ({m['cpu_model']}), {m['ram_gib']} GiB")
    print(f"load average at start: {m['loadavg_at_start']} (other work on the box skews every number)")
    if "reference_loop_ms_at_start" in m:
        print(
            f"CPU speed: the reference Python loop took {m['reference_loop_ms_at_start']} ms at the start, "
            f"{m.get('reference_loop_ms_at_end', '?')} ms at the end (lower is faster; compare runs at similar values)"
        )
    print(f"load generator: {gen['kind']}, {gen['processes']} process x {gen['threads']} thread")
    print(f"{report['warmup_s']:.0f} s warm-up + {report['duration_s']:.0f} s measured per scenario")
    print("(xN) = N times the reference: req/s over its req/s, its latency over ours\n")
    header = (
        f"{'server':<9}{'scenario':<10}{'cl':>3} {'req/s':>13} {'p50 ms':>14} {'p90':>7} {'p99 ms':>14}"
        f" | {'embed':>6}{'search':>7}{'rerank':>7}{'http+gql':>9} | cores: srv redis client other"
    )
    rounds = max((run.get("round", 1) for run in report["runs"]), default=1)
    for number, runs in groupby(report["runs"], key=lambda run: run.get("round", 1)):
        if rounds > 1:
            print(f"\nround {number} of {rounds}")
        print(header)
        print("-" * len(header))
        _print_rows(list(runs))
    print("\nstage columns: medians in ms (embed/search/rerank from the response's timings;")
    print("http+gql = client latency minus timings.totalMs)")
    print("\ntargets" + (f" (median of {rounds} rounds; each round's best configuration):" if rounds > 1 else ":"))
    for t in report["targets"]:
        sign = ">=" if t["kind"] == "min" else "<="
        verdict = "met" if t["met"] else "NOT met"
        spread = ""
        if rounds > 1:
            spread = f", rounds: {', '.join(f'{v:g}' for v in t['per_round'])}, met in {t['met_rounds']}"
        print(
            f"  {t['scenario']:<9}{t['clients']} client(s) {t['metric']} {sign} {t['bound']:g}: "
            f"{t['best']:g} ({'/'.join(sorted(set(t['best_configs'])))}{spread}) {verdict}"
        )
    for run in report["runs"]:
        if run.get("metrics"):
            for worker in run["metrics"]:
                label = f"round {run.get('round', 1)} " if rounds > 1 else ""
                print(f"  [{label}{run['config']}] worker {worker.get('pid')}: {worker}")


def _print_rows(runs: list[dict[str, Any]]) -> None:
    for run in runs:
        for r in run["results"]:
            s, c = r["stage_medians_ms"], r["cpu_cores"]
            print(
                f"{run['config']:<9}{r['scenario']:<10}{r['clients']:>3} {_with_ratio(r, 'rps'):>13}"
                f" {_with_ratio(r, 'p50_ms'):>14} {r['p90_ms']:>7.2f} {_with_ratio(r, 'p99_ms'):>14}"
                f" | {s['embed']:>6.2f}{s['search']:>7.2f}{s['rerank']:>7.2f}{s['http_graphql_overhead']:>9.2f}"
                f" |  {c['server']:>4.2f} {c['redis']:>5.2f} {c['client']:>6.2f} {c['other']:>5.2f}"
                + (f"  ERRORS {r['errors']}" if r["errors"] else "")
            )
