"""Scenarios compared offline: each variant becomes a scenario of its own, judged on every user."""

import json
from pathlib import Path

import pytest

from eval.offline_scenarios import ScenarioFileError, all_materialised, materialised, read_scenarios


def test_a_scenario_without_variants_is_itself() -> None:
    scenario = {"name": "plain", "blend": {"behaviourWeight": 0.5}}
    assert materialised(scenario) == [scenario]


def test_each_variant_is_the_scenario_with_its_overrides_and_no_variants() -> None:
    scenario = {
        "name": "home",
        "blend": {"behaviourWeight": 0.5},
        "rerank": {"enabled": True},
        "k": 10,
        "variants": [
            {"name": "calm", "share": 0.2, "blend": {"behaviourWeight": 0.0}, "k": None},
            {"name": "flat", "share": 0.3, "rerank": {"enabled": False}},
        ],
    }
    assert materialised(scenario) == [
        {"name": "home", "blend": {"behaviourWeight": 0.5}, "rerank": {"enabled": True}, "k": 10},
        {"name": "home.calm", "blend": {"behaviourWeight": 0.0}, "rerank": {"enabled": True}, "k": 10},
        {"name": "home.flat", "blend": {"behaviourWeight": 0.5}, "rerank": {"enabled": False}, "k": 10},
    ]
    assert "variants" in scenario  # the input is left as it was


def test_a_variant_name_colliding_with_a_scenario_is_refused() -> None:
    with pytest.raises(ScenarioFileError, match="collides"):
        all_materialised([{"name": "a.b"}, {"name": "a", "variants": [{"name": "b", "share": 0.5}]}])


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "x"}',
        "[1]",
        '[{"blend": {}}]',
        '[{"name": "x"}, {"name": "x"}]',
        "not json",
        "[" * 100_000 + "]" * 100_000,  # json.loads: RecursionError
        '[{"name": "x", "k": ' + "9" * 5000 + "}]",  # json.loads: ValueError, more digits than int() reads
    ],
)
def test_a_file_that_is_not_a_list_of_named_scenarios_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text(text)
    with pytest.raises(ScenarioFileError):
        read_scenarios(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    path.write_bytes(b'[{"name": "caf\xe9"}]')
    with pytest.raises(ScenarioFileError, match="utf-8"):
        read_scenarios(path)


def test_the_committed_ablation_file_reads() -> None:
    path = Path(__file__).resolve().parents[2] / "eval" / "scenarios" / "ablation.json"
    assert [s["name"] for s in read_scenarios(path)] == [s["name"] for s in json.loads(path.read_text())]
