"""Scenarios compared offline (`recommender evaluate --scenarios FILE`, docs/evaluation.md).

FILE is a JSON list of `ScenarioInput` objects, exactly as `upsertScenario` takes them. Offline every variant
is judged on all users rather than on its hash-assigned share: each variant becomes a scenario of its own,
`<scenario>.<variant>`, the scenario's settings with the variant's overrides and no variants, evaluated beside
the scenario itself (its control).
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from adapters.json_text import InvalidJson, loads
from adapters.text_files import ENCODING
from gql.schema import Context, schema

UPSERT_SCENARIO = """mutation ($scenario: ScenarioInput!) {
  upsertScenario(scenario: $scenario) { __typename ... on NotAuthorized { message } }
}"""
VARIANT_ONLY = ("name", "share")  # a variant's own fields, not settings it overrides


class ScenarioFileError(ValueError):
    pass


def read_scenarios(path: Path) -> list[dict[str, Any]]:
    """The file's list of scenario inputs; the API itself checks each one when it is saved."""
    try:
        found = loads(path.read_text(encoding=ENCODING))
    except (OSError, UnicodeDecodeError, InvalidJson) as exc:
        raise ScenarioFileError(f"{path}: {exc}") from exc
    if not isinstance(found, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in found):
        raise ScenarioFileError(f"{path}: not a JSON list of ScenarioInput objects, each with a name")
    names = [s["name"] for s in found]
    if len(set(names)) != len(names):
        raise ScenarioFileError(f"{path}: a scenario name is repeated")
    return found


def materialised(scenario: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The scenario without its variants (control), then one scenario per variant: `<scenario>.<variant>`,
    the scenario's settings with the variant's overrides (a null override leaves the setting as it is)."""
    control = {key: value for key, value in scenario.items() if key != "variants"}
    found = [control]
    for variant in scenario.get("variants") or []:
        overrides = {k: v for k, v in variant.items() if k not in VARIANT_ONLY and v is not None}
        found.append({**control, **overrides, "name": f"{scenario['name']}.{variant['name']}"})
    return found


def all_materialised(scenarios: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    found = [one for scenario in scenarios for one in materialised(scenario)]
    names = [one["name"] for one in found]
    if len(set(names)) != len(names):
        raise ScenarioFileError(f"a variant's name `<scenario>.<variant>` collides with another scenario: {names}")
    return found


async def save(context: Context, scenario: Mapping[str, Any]) -> None:
    """Through the real schema's `upsertScenario`, as an admin client would."""
    result = await schema.execute(UPSERT_SCENARIO, variable_values={"scenario": scenario}, context_value=context)
    if result.errors or result.data is None:
        raise ScenarioFileError(f"scenario {scenario.get('name')!r} refused: {result.errors}")
    saved = result.data["upsertScenario"]
    if saved["__typename"] != "Scenario":
        raise ScenarioFileError(f"scenario {scenario.get('name')!r} not saved: {saved}")
