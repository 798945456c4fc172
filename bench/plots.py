"""`make bench-plots`: the two figures of BENCHMARKS.md, drawn from the JSON the benches leave behind.

1. docs/bench/query-path.png: req/s and p50 against clients, cached and uncached, one column per server
   configuration, from a `make bench` file (default bench-results/latest.json; the median over rounds).
2. docs/bench/recall.png: recall@10 against EF_RUNTIME per index and vector kind, from one or more
   `make bench-scale` files (default: the newest bench-results/scale-*.json).

matplotlib is imported here only, and only when drawing: nothing else in the project needs it.
"""

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
OUT = ROOT / "docs" / "bench"
STYLE = {"uncached": ("tab:orange", "o"), "cached": ("tab:blue", "s")}


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def log_axis(axis: Any, which: str) -> None:
    """A log scale labelled 1, 2, 5, 10, 20, ... rather than powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = axis.yaxis if which == "y" else axis.xaxis
    (axis.set_yscale if which == "y" else axis.set_xscale)("log")
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    target.set_minor_formatter(NullFormatter())


def query_path_points(report: dict[str, Any]) -> dict[str, dict[str, list[tuple[int, float, float]]]]:
    """config -> scenario -> [(clients, req/s, p50 ms)], the median over rounds, clients ascending."""
    seen: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for run in report["runs"]:
        for r in run["results"]:
            seen[(run["config"], r["scenario"], r["clients"])].append(r)
    points: dict[str, dict[str, list[tuple[int, float, float]]]] = defaultdict(lambda: defaultdict(list))
    for (config, scenario, clients), rows in sorted(seen.items()):
        rps = statistics.median(r["rps"] for r in rows)
        p50 = statistics.median(r["p50_ms"] for r in rows)
        points[config][scenario].append((clients, rps, p50))
    return points


def plot_query_path(report: dict[str, Any], out: Path) -> Path:
    plt = pyplot()
    points = query_path_points(report)
    fig, axes = plt.subplots(2, len(points), figsize=(5 * len(points), 7), squeeze=False, sharex=True)
    reference = report["reference"]
    ref_clients = sorted(int(c) for c in reference)
    for column, (config, scenarios) in enumerate(points.items()):
        top, bottom = axes[0][column], axes[1][column]
        for scenario, rows in scenarios.items():
            colour, marker = STYLE.get(scenario, ("tab:grey", "^"))
            clients = [c for c, _, _ in rows]
            top.plot(clients, [rps for _, rps, _ in rows], marker=marker, color=colour, label=scenario)
            bottom.plot(clients, [p50 for _, _, p50 in rows], marker=marker, color=colour, label=scenario)
            for c, rps, p50 in rows:
                top.annotate(f"{rps:,.0f}", (c, rps), textcoords="offset points", xytext=(6, 4), fontsize=8)
                bottom.annotate(f"{p50:.1f}", (c, p50), textcoords="offset points", xytext=(6, 4), fontsize=8)
        for axis, metric in ((top, "rps"), (bottom, "p50_ms")):
            values = [reference[str(c)][metric] for c in ref_clients]
            axis.plot(ref_clients, values, "--", color="grey", marker="x", label="reference demo")
            axis.set_xscale("log", base=2)
            axis.set_xticks(ref_clients, [str(c) for c in ref_clients])
            axis.set_xlim(ref_clients[0] * 0.8, ref_clients[-1] * 1.4)  # room for the value labels
            axis.grid(True, alpha=0.3)
        log_axis(top, "y")
        log_axis(bottom, "y")
        workers, _, threads = config.partition(" x ")
        top.set_title(f"server {workers.rstrip('w')} worker(s) x {threads.rstrip('t')} ONNX thread(s)")
        top.set_ylabel("requests/s (log)")
        bottom.set_ylabel("p50 latency, ms (log)")
        bottom.set_xlabel("keep-alive clients")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9)
    other = [r["cpu_cores"]["other"] for run in report["runs"] for r in run["results"]]
    fig.suptitle(
        f"make bench: {report['duration_s']:g} s per scenario, {report.get('rounds', 1)} round(s) (median); "
        f"other work on the box {min(other):.2f}-{max(other):.2f} cores"
    )
    return save(fig, plt, out / "query-path.png")


def recall_series(results: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """label -> [(EF_RUNTIME, recall@10)] for every HNSW build in one scale results file."""
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    main_count = int(results["args"]["count"])
    for row in results["recall"]:
        if row["ef_runtime"] is None:
            continue  # FLAT: exact, the ground truth's cross-check
        vectors = "model vectors" if "model vectors" in row["index"] else "random vectors"
        name = row["index"].replace(" (model vectors)", "")
        if name == "HNSW":  # the main run's index, built as the run's arguments say
            name = f"HNSW M{results['args']['hnsw_m']} EFC{results['args']['ef_construction']}"
        count = int(row.get("count", main_count))  # older files carry no count for the main run's rows
        series[f"{name}, {vectors}, {count:,} products"].append((int(row["ef_runtime"]), float(row["recall"])))
    return series


def plot_recall(files: list[dict[str, Any]], out: Path) -> Path:
    """Every build of every file; a label found in two files keeps the later file's line. Left: all of
    them on 0-1; right: the model-vector builds only, zoomed, where the choices differ by a few points."""
    plt = pyplot()
    series = {label: sorted(rows) for results in files for label, rows in recall_series(results).items()}
    efs = sorted({ef for rows in series.values() for ef, _ in rows})
    fig, (whole, zoom) = plt.subplots(1, 2, figsize=(12, 5))
    for number, (label, rows) in enumerate(series.items()):
        style = {"marker": "o", "color": f"C{number}", "label": label}
        whole.plot([ef for ef, _ in rows], [r for _, r in rows], **style)
        if "model vectors" in label:
            zoom.plot([ef for ef, _ in rows], [r for _, r in rows], **style)
    for axis, low, title in ((whole, 0.0, "all builds"), (zoom, 0.8, "model vectors, zoomed")):
        axis.axhline(0.95, color="grey", linestyle="--", linewidth=1, label="0.95 bar")
        axis.set_xscale("log")
        axis.set_xticks(efs, [str(ef) for ef in efs])
        axis.minorticks_off()
        axis.set_ylim(low, 1.005)
        axis.set_xlabel("EF_RUNTIME (log)")
        axis.set_ylabel("recall@10")
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
    whole.legend(fontsize=8, loc="center left")
    fig.suptitle("make bench-scale: HNSW recall@10 against exact top-10")
    return save(fig, plt, out / "recall.png")


def save(fig: Any, plt: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout(rect=(0, 0.05 if fig.legends else 0, 1, 1))  # room for a figure-level legend
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def newest(pattern: str) -> Path | None:
    found = sorted(RESULTS.glob(pattern))
    return found[-1] if found else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.plots", description=__doc__)
    p.add_argument("--bench", type=Path, default=RESULTS / "latest.json", help="a `make bench` JSON file")
    p.add_argument(
        "--scale", type=Path, action="append", help="a `make bench-scale` JSON file, repeatable (default: newest)"
    )
    p.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    args = p.parse_args(argv)
    scale = args.scale or [path for path in [newest("scale-*.json")] if path is not None]
    drawn = []
    if args.bench.exists():
        drawn.append(plot_query_path(json.loads(args.bench.read_text()), args.out))
    if scale:
        drawn.append(plot_recall([json.loads(path.read_text()) for path in scale], args.out))
    for path in drawn:
        print(f"wrote {path}")
    if not drawn:
        print(f"nothing to plot: run `make bench` or `make bench-scale` first (looked in {RESULTS})")
    return 0 if drawn else 1


if __name__ == "__main__":
    raise SystemExit(main())
