"""The evaluation printed beside the published rows of a dataset's README (its `| model | HR@10 | ...` table)."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def published_rows(readme: Path) -> list[tuple[str, dict[str, str]]]:
    """(model, {column: value}) for each row of the first table with an HR@ or NDCG@ column; [] without one."""
    try:
        lines = readme.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    rows: list[tuple[str, dict[str, str]]] = []
    header: list[str] | None = None
    for line in lines:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            if rows:
                break
            header = None
        elif header is None:
            header = cells if any(c.startswith(("HR@", "NDCG@")) for c in cells) else None
        elif not set("".join(cells)) <= set("-: "):
            rows.append((cells[0], dict(zip(header[1:], cells[1:], strict=False))))
    return rows


def table(result: Mapping[str, Any], published: list[tuple[str, dict[str, str]]]) -> str:
    columns = ["HR@5", "HR@10", "HR@20", "NDCG@5", "NDCG@10", "NDCG@20"]
    lines = [f"{'model':<48}" + "".join(f"{c:>9}" for c in columns)]
    configurations = [("this service", result)] + [
        (f"scenario {name}", figures) for name, figures in result.get("scenarios", {}).items()
    ]
    for label, figures in configurations:  # one row per configuration and split run (a split not run is null)
        for split in ("test", "validation"):
            if (scores := figures[split]) is not None:
                row = f"{label}, {split} target"
                lines.append(f"{row[:47]:<48}" + "".join(f"{scores[c]:>9.4f}" for c in columns))
    for model, cells in published:
        lines.append(f"{model[:47]:<48}" + "".join(f"{cells.get(c, ''):>9}" for c in columns))
    latency = result["latency_ms"]
    lines.append(
        f"users {result['users']}, coverage@10 {result['coverage@10']:.4f}, "
        f"latency p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms"
    )
    return "\n".join(lines)
