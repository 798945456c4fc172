"""The scale tables of BENCHMARKS.md from a `make bench-scale` results file.

`python -m bench.scale --report FILE` prints them again for an earlier run."""

from typing import Any


def markdown(results: dict[str, Any]) -> str:
    """The tables of BENCHMARKS.md, "Scale", from a results file."""
    lines = ["| Ingest variant | Products | Products/s | recall@10 (EF 100) |", "|---|---:|---:|---:|"]
    for row in results["ingest"]:
        recall_value = row.get("recall_at_ef100")
        shown = "" if recall_value is None else f"{recall_value:.3f}"
        lines.append(f"| {row['variant']} | {row['count']:,} | {row['rate']:,.0f} | {shown} |")
    memory = results.get("memory") or {}
    if memory:  # absent when the main run was skipped (--count 0)
        lines += [
            "",
            f"Memory: {memory['used_memory_delta_mb']} MB `used_memory` for {memory['count']:,} products = "
            f"{memory['bytes_per_product']:,} bytes/product, of which the vector index "
            f"{memory['vector_index_bytes_per_product']:,}.",
        ]
    lines += [
        "",
        "| Index | EF_RUNTIME | recall@10 | p50 ms | p99 ms | Redis p50 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["recall"]:
        lines.append(
            f"| {row['index']} | {row['ef_runtime'] or '-'} | {row['recall']:.4f} | {row['p50_ms']:.2f} "
            f"| {row['p99_ms']:.2f} | {row['redis_p50_ms']:.2f} |"
        )
    lines += [
        "",
        "| Filter | Matches | Policy | p50 ms | p99 ms | Redis p50 / p99 ms | recall@10 |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in results["latency"]:
        lines.append(
            f"| {row['filter']} | {row['matches']:,} | {row['policy']} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['redis_p50_ms']:.2f} / {row['redis_p99_ms']:.2f} | {row['recall']:.3f} |"
        )
    return "\n".join(lines)
