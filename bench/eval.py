"""`make eval`: retrieval quality per search mode on the labelled queries of eval/queries.json.

The catalog (catalog.json, its stored vectors) is loaded into a private embedded Redis; every query runs
through the service as `recommendations(query, mode, k: 10)` would, with no user state (no blend, no
re-rank), and is scored against its hand-labelled relevant ids:

- nDCG@10 with binary relevance: Σ 1/log2(rank + 1) over relevant hits, over the ideal ordering's sum;
- hit@3: 1 when any relevant product is in the top 3.

Means are printed per mode, for all queries and per kind (natural descriptions vs the lexical ones:
rare words, numbers, model-like tokens, misspellings).
"""

import argparse
import asyncio
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from bootstrap.runtime import open_runtime
from bootstrap.settings import Settings
from domain.filters import BlendSettings, RecommendRequest, RerankSettings, SearchMode
from domain.service import RecommenderService

ROOT = Path(__file__).resolve().parent.parent
K = 10


def ndcg(ranked: list[str], relevant: set[str], k: int = K) -> float:
    gain = sum(1.0 / math.log2(rank + 1) for rank, pid in enumerate(ranked[:k], start=1) if pid in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return gain / ideal if ideal else 0.0


def hit(ranked: list[str], relevant: set[str], k: int = 3) -> float:
    return 1.0 if relevant & set(ranked[:k]) else 0.0


async def _ranked(service: RecommenderService, query: str, mode: SearchMode) -> list[str]:
    off = BlendSettings(enabled=False), RerankSettings(enabled=False)
    request = RecommendRequest(query=query, k=K, mode=mode, blend=off[0], rerank=off[1])
    return [c.product.id for c in (await service.recommend(request)).items]


async def evaluate(labels: list[dict[str, Any]], catalog: Path) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="recommender-eval-") as data:
        settings = Settings(data_dir=Path(data), catalog=catalog, embed_cache_size=0)
        async with open_runtime(settings) as runtime:
            table: dict[str, dict[str, float]] = {}
            for mode in SearchMode:
                rows: dict[str, list[tuple[float, float]]] = {"all": [], "natural": [], "lexical": []}
                for label in labels:
                    ranked = await _ranked(runtime.service, label["query"], mode)
                    relevant = set(label["relevant"])
                    score = (ndcg(ranked, relevant), hit(ranked, relevant))
                    rows["all"].append(score)
                    rows["natural" if label["kind"] == "natural" else "lexical"].append(score)
                for group, scores in rows.items():
                    table[f"{mode.value} {group}"] = {
                        "ndcg@10": sum(s[0] for s in scores) / len(scores),
                        "hit@3": sum(s[1] for s in scores) / len(scores),
                        "queries": len(scores),
                    }
            return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=ROOT / "eval" / "queries.json")
    parser.add_argument("--catalog", type=Path, default=ROOT / "catalog.json")
    args = parser.parse_args()
    labels = json.loads(args.labels.read_text())["queries"]
    table = asyncio.run(evaluate(labels, args.catalog))
    print(f"{len(labels)} queries, k = {K}\n")
    print("| mode | queries | nDCG@10 | hit@3 |")
    print("|---|---|---|---|")
    for name, row in table.items():
        print(f"| {name} | {row['queries']:.0f} | {row['ndcg@10']:.3f} | {row['hit@3']:.3f} |")


if __name__ == "__main__":
    main()
