"""The server's ONNX session (its spin mode, threads per worker) computes the same vectors as fastembed's own."""

from pathlib import Path

import numpy as np
import pytest

from adapters.embedder import SPIN_MODES, FastEmbedEmbedder
from bootstrap.settings import Settings
from tests.conftest import ROOT

TEXTS = ["warm jacket for winter", "boots", "A longer sentence about a tent that survives storms on a ridge."]


def model_dir() -> Path:
    path = Settings().model_dir
    return path if path.is_absolute() else ROOT / path


@pytest.mark.parametrize("spin", SPIN_MODES)
def test_every_spin_mode_gives_the_same_vectors(embedder: FastEmbedEmbedder, spin: str) -> None:
    served = FastEmbedEmbedder(model_dir(), threads=2, spin=spin)
    assert float(np.abs(np.stack(served.embed_sync(TEXTS)) - np.stack(embedder.embed_sync(TEXTS))).max()) < 1e-6


@pytest.mark.parametrize("spin", ["", "sometimes", "ON"])
def test_an_unknown_spin_mode_is_refused(spin: str) -> None:
    with pytest.raises(ValueError, match="spin must be one of run, always, off"):
        FastEmbedEmbedder(model_dir(), threads=1, spin=spin)


def test_serve_takes_the_spin_mode_and_the_older_switches() -> None:
    from cli.main import parser
    from cli.options import settings_from

    def spin(*argv: str) -> str:
        return settings_from(parser().parse_args(["serve", *argv])).onnx_spin

    assert spin() == "run"
    assert spin("--onnx-spin", "off") == "off"
    assert spin("--onnx-spinning") == "always"
    assert spin("--no-onnx-spinning") == "off"
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--onnx-spin", "sometimes"])


@pytest.mark.parametrize(
    ("spin", "spinning", "stop_between_calls"),
    [("run", "1", "1"), ("always", "1", None), ("off", "0", None)],
)
def test_each_spin_mode_sets_onnx_runtimes_switches(spin: str, spinning: str, stop_between_calls: str | None) -> None:
    from adapters.embedder import onnx_session
    from adapters.model_export import MODEL_FILE

    options = onnx_session(model_dir() / MODEL_FILE, 2, spin).get_session_options()
    assert options.intra_op_num_threads == 2
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == spinning
    if stop_between_calls is None:  # not set: ONNX Runtime keeps spinning (or sleeping) between calls
        with pytest.raises(Exception, match="does not have configuration with key"):
            options.get_session_config_entry("session.force_spinning_stop")
    else:
        assert options.get_session_config_entry("session.force_spinning_stop") == stop_between_calls


def test_the_embedder_runs_on_the_session_with_the_spin_mode() -> None:
    """fastembed's own session (no spin knob) is never built: the one it runs is ours."""
    served = FastEmbedEmbedder(model_dir(), threads=2, spin="run")
    session = served._model.model.model  # type: ignore[attr-defined]
    assert session.get_session_options().get_session_config_entry("session.force_spinning_stop") == "1"
    assert session.get_session_options().intra_op_num_threads == 2


def test_our_session_embeds_as_fastembeds_own_session() -> None:
    """Setting `onnx_own_session` off leaves the session to fastembed: the same vectors either way."""
    texts = ["warm jacket for winter", "Trail running shoes. Grippy and light.", "a"]
    ours = FastEmbedEmbedder(model_dir(), threads=1, spin="run").embed_sync(texts)
    stock = FastEmbedEmbedder(model_dir(), threads=1, own_session=False).embed_sync(texts)
    for a, b in zip(ours, stock, strict=True):
        assert float(np.max(np.abs(a - b))) < 1e-5
