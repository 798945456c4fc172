"""prepare-model's folder: the fused graph is what is served, and an older export is redone."""

import collections
import json
import shutil
from pathlib import Path

import onnx
import pytest

from adapters.model_export import EXPORT_FILE, EXPORT_FORMAT, MODEL_FILE, TOKENIZER_FILES, export_info, is_exported
from bootstrap.settings import Settings
from tests.conftest import ROOT

LAYERS = 6  # all-MiniLM-L6-v2


def served_dir() -> Path:
    path = Settings().model_dir
    return path if path.is_absolute() else ROOT / path


def test_the_served_graph_is_fused() -> None:
    graph = onnx.load(str(served_dir() / MODEL_FILE), load_external_data=False).graph
    ops = collections.Counter(node.op_type for node in graph.node)
    assert ops["Attention"] == LAYERS
    assert ops["SkipLayerNormalization"] == 2 * LAYERS
    assert ops["BiasGelu"] == LAYERS
    assert ops["EmbedLayerNormalization"] == 1
    assert ops["Softmax"] == 0  # no unfused attention left
    assert len(graph.node) < 100  # the traced graph has ~670
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask", "token_type_ids"]


def test_export_info_records_the_format_and_the_fusions() -> None:
    info = export_info(served_dir())
    assert info["format"] == EXPORT_FORMAT
    assert info["fused_operators"]["Attention"] == LAYERS


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A complete export folder, with tiny stand-ins for the files (only their presence is read)."""
    for name in (MODEL_FILE, *TOKENIZER_FILES):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


@pytest.mark.parametrize(
    "marker",
    [None, "", "not json", "[]", json.dumps({"format": 1}), json.dumps({"format": EXPORT_FORMAT - 1})],
)
def test_a_folder_from_an_older_or_unknown_export_is_exported_again(folder: Path, marker: str | None) -> None:
    if marker is not None:
        (folder / EXPORT_FILE).write_text(marker)
    assert not is_exported(folder)


def test_a_current_folder_is_kept_and_a_missing_file_is_not(folder: Path) -> None:
    (folder / EXPORT_FILE).write_text(json.dumps({"format": EXPORT_FORMAT}))
    assert is_exported(folder)
    (folder / TOKENIZER_FILES[0]).unlink()
    assert not is_exported(folder)


def test_prepare_model_leaves_a_current_folder_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    copy = tmp_path / "model"
    shutil.copytree(served_dir(), copy)
    before = (copy / MODEL_FILE).stat().st_mtime_ns
    assert main(["prepare-model", "--out", str(copy)]) == 0
    assert "already exported" in capsys.readouterr().out
    assert (copy / MODEL_FILE).stat().st_mtime_ns == before


def test_the_export_check_sees_a_changed_weight(tmp_path: Path) -> None:
    """The guard that refuses a fusion which changed the numbers: identical graphs give 0, one scaled
    weight matrix gives far more than the allowed float32 reordering."""
    import numpy as np
    from onnx import numpy_helper

    from adapters.model_export import MAX_FUSION_DIFFERENCE, largest_difference

    served = served_dir() / MODEL_FILE
    assert largest_difference(served, served) == 0.0
    model = onnx.load(str(served))
    weight = max(model.graph.initializer, key=lambda t: int(np.prod(t.dims)) if len(t.dims) == 2 else 0)
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) * 1.01, weight.name))
    changed = tmp_path / MODEL_FILE
    onnx.save(model, str(changed))
    assert largest_difference(served, changed) > 100 * MAX_FUSION_DIFFERENCE
