"""Is an int8 (dynamic quantisation) model good enough to serve queries? Speed and accuracy, either way.

    .venv/bin/python -m bench.quantization [--threads 1]

Quantises the exported fp32 model in several ways (onnxruntime.quantization.quantize_dynamic) into a
temporary folder and compares each with fp32 through the same fastembed pipeline:
- accuracy: cosine of every catalog product's embedding to the fp32 one (the bar: min >= 0.99), and
  whether reference queries keep their top-10 (same products, same order) against the stored fp32
  catalog vectors;
- speed: one short query per call, and a batch of 8, on `--threads` ONNX threads.
A variant is adoptable only if it passes both accuracy checks; nothing is adopted automatically.
"""

import argparse
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from adapters.catalog_file import JsonCatalog
from adapters.embedder import DIM, MODEL_NAME, FastEmbedEmbedder, default_model_dir
from adapters.model_export import MODEL_FILE, TOKENIZER_FILES
from bench.queries import REPEATED

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results" / "quantization.json"
MIN_COSINE = 0.99
REFERENCE_QUERIES = [
    "warm jacket for winter",
    "trail running shoes",
    "coffee brewing",
    "noise cancelling headphones",
    "a tent for two people",
    "gift for someone who likes cooking",
    *REPEATED,
]

# The served graph is fused (adapters/model_export.py): each layer's Q/K/V projections and attention
# products are one Attention node, which the default op set quantises (QAttention) and "MatMul only"
# keeps in fp32; the MatMuls left are the attention output projection and the two FFN projections.
# The FFN output projection (3072 -> 384, after GELU) is the most sensitive of them.
FFN_OUTPUT = re.compile(r"/layer\.\d+/output/dense/MatMul$")  # not .../attention/output/dense/MatMul
MATMUL = {"op_types_to_quantize": ["MatMul"]}

# name -> quantize_dynamic keyword arguments; "exclude" is a pattern of node names kept in fp32
VARIANTS: dict[str, dict[str, Any]] = {
    "qint8 (default ops)": {},
    "qint8 per-channel": {"per_channel": True},
    "qint8 per-channel reduce-range": {"per_channel": True, "reduce_range": True},
    "quint8": {"weight_type": "QUInt8"},
    "quint8 per-channel": {"weight_type": "QUInt8", "per_channel": True},
    "qint8 MatMul only": MATMUL,
    "qint8 MatMul only, per-channel": MATMUL | {"per_channel": True},
    "quint8 MatMul only, per-channel": MATMUL | {"per_channel": True, "weight_type": "QUInt8"},
    "qint8 MatMul but FFN out, per-channel": MATMUL | {"per_channel": True, "exclude": FFN_OUTPUT},
    "quint8 MatMul but FFN out, per-channel": MATMUL
    | {"per_channel": True, "exclude": FFN_OUTPUT, "weight_type": "QUInt8"},
}


def nodes_matching(model_path: Path, pattern: re.Pattern[str]) -> list[str]:
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return [node.name for node in graph.node if pattern.search(node.name)]


def quantise(source: Path, target: Path, options: dict[str, Any]) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.mkdir(parents=True)
    for name in TOKENIZER_FILES:
        shutil.copy(source / name, target / name)
    kwargs = dict(options)
    kwargs["weight_type"] = QuantType[kwargs.get("weight_type", "QInt8")]
    if "exclude" in kwargs:
        kwargs["nodes_to_exclude"] = nodes_matching(source / MODEL_FILE, kwargs.pop("exclude"))
    # The fused operators come from ONNX Runtime's own domain, where shape inference gives no types.
    extra = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    quantize_dynamic(source / MODEL_FILE, target / MODEL_FILE, extra_options=extra, **kwargs)


def ms_per_call(run: Callable[[], object], calls: int) -> float:
    for _ in range(10):
        run()
    start = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - start) / calls * 1000


def top10(queries: np.ndarray, catalog: np.ndarray, ids: list[str]) -> list[list[str]]:
    order = np.argsort(-(queries @ catalog.T), axis=1, kind="stable")[:, :10]
    return [[ids[i] for i in row] for row in order]


def evaluate(model: FastEmbedEmbedder, texts: list[str], calls: int) -> dict[str, Any]:
    query, batch = REFERENCE_QUERIES[0], REFERENCE_QUERIES[:8]
    return {
        "products": np.stack(model.embed_sync(texts)),
        "queries": np.stack(model.embed_sync(REFERENCE_QUERIES)),
        "single_ms": round(ms_per_call(lambda: model.embed_sync([query]), calls), 2),
        "batch8_ms": round(ms_per_call(lambda: model.embed_sync(batch), max(10, calls // 4)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.quantization", description=__doc__)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--calls", type=int, default=200, help="timed calls per speed measurement")
    p.add_argument("--catalog", type=Path, default=ROOT / "catalog.json")
    args = p.parse_args(argv)

    source = default_model_dir()
    items = JsonCatalog(args.catalog, MODEL_NAME, DIM).load()
    ids, texts = [p.id for p, _ in items], [p.embedding_text for p, _ in items]
    stored = np.stack([v for _, v in items])
    base = evaluate(FastEmbedEmbedder(source, threads=args.threads), texts, args.calls)
    base_top = top10(base["queries"], stored, ids)
    rows: list[dict[str, Any]] = [
        {"variant": "fp32 (served)", "size_mb": round((source / MODEL_FILE).stat().st_size / 1e6, 1)}
        | {k: base[k] for k in ("single_ms", "batch8_ms")}
        | {"min_cosine": 1.0, "mean_cosine": 1.0, "top10_same_set": len(REFERENCE_QUERIES)}
        | {"top10_same_order": len(REFERENCE_QUERIES), "passes": True}
    ]
    with tempfile.TemporaryDirectory(prefix="quant-") as tmp:
        for name, options in VARIANTS.items():
            folder = Path(tmp) / f"v{len(rows)}"
            quantise(source, folder, options)
            got = evaluate(FastEmbedEmbedder(folder, threads=args.threads), texts, args.calls)
            cosines = np.sum(got["products"] * base["products"], axis=1)
            tops = top10(got["queries"], stored, ids)
            same_set = sum(set(a) == set(b) for a, b in zip(tops, base_top, strict=True))
            same_order = sum(a == b for a, b in zip(tops, base_top, strict=True))
            rows.append(
                {"variant": name, "size_mb": round((folder / MODEL_FILE).stat().st_size / 1e6, 1)}
                | {k: got[k] for k in ("single_ms", "batch8_ms")}
                | {"min_cosine": round(float(cosines.min()), 4), "mean_cosine": round(float(cosines.mean()), 4)}
                | {"top10_same_set": same_set, "top10_same_order": same_order}
                # "Keep their top-10": the same ten products in the same order, as a user would see them.
                | {"passes": bool(cosines.min() >= MIN_COSINE and same_order == len(REFERENCE_QUERIES))}
            )
    report = {"threads": args.threads, "products": len(items), "queries": len(REFERENCE_QUERIES), "rows": rows}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    n = len(REFERENCE_QUERIES)
    print(
        f"{len(items)} catalog products, {n} reference queries, {args.threads} ONNX thread(s); bar: min cosine >= 0.99"
    )
    print(
        f"{'variant':<44}{'MB':>6}{'1 query ms':>12}{'8 batch ms':>12}{'min cos':>9}{'mean cos':>9}  top-10 set/order"
    )
    for r in rows:
        print(
            f"{r['variant']:<44}{r['size_mb']:>6}{r['single_ms']:>12}{r['batch8_ms']:>12}{r['min_cosine']:>9}"
            f"{r['mean_cosine']:>9}  {r['top10_same_set']}/{n}, {r['top10_same_order']}/{n}"
            + ("" if r["passes"] else "  FAILS the bar")
        )
    print(f"JSON: {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
