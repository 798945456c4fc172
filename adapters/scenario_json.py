"""Scenarios as JSON: how the Redis store keeps them. Decoding builds the domain values, which check themselves;
a stored value they refuse raises ValueError (the store skips it rather than serve it)."""

import json
from dataclasses import asdict
from typing import Any

from domain.diversity import DiversitySettings
from domain.errors import InvalidInput
from domain.filters import BlendSettings, ExcludeSettings, ProductFilter, RerankSettings
from domain.rules import Rule, RuleAction
from domain.scenarios import Scenario, Settings, Variant
from domain.source_kinds import SourceKind

Json = dict[str, Any]


def _filter(value: ProductFilter) -> Json:
    # A scenario's filters are what ProductFilter's input sets: exclusion and hiding are said otherwise
    # (`exclude`, HIDE rules), so a stored filter holds neither.
    return {k: v for k, v in asdict(value).items() if k not in ("excluded_ids", "hidden")}


def _rule(rule: Rule) -> Json:
    return {**asdict(rule), "action": rule.action.value, "match": None if rule.match is None else _filter(rule.match)}


def _some(value: Any, encode: Any = asdict) -> Any:
    return None if value is None else encode(value)


def _settings(s: Settings) -> Json:
    parts = {
        "sources": _some(s.sources, lambda kinds: [kind.value for kind in kinds]),
        "filters": _some(s.filters, _filter),
        "exclude": _some(s.exclude),
        "blend": _some(s.blend),
        "rerank": _some(s.rerank),
        "diversity": _some(s.diversity),
        "k": s.k,
        "rules": _some(s.rules, lambda rules: [_rule(rule) for rule in rules]),
    }
    return {name: value for name, value in parts.items() if value is not None}


def dumps(scenario: Scenario) -> str:
    return json.dumps(
        {
            "name": scenario.name,
            "description": scenario.description,
            "settings": _settings(scenario.settings),
            "variants": [
                {"name": v.name, "share": v.share, "settings": _settings(v.settings)} for v in scenario.variants
            ],
            "updated_at": scenario.updated_at,
        }
    )


def _read_rule(data: Json) -> Rule:
    match = data.get("match")
    return Rule(
        action=RuleAction(data["action"]),
        match=None if match is None else ProductFilter(**match),
        product_ids=tuple(data.get("product_ids") or ()),
        weight=data.get("weight"),
        position=data.get("position"),
        active_from=data.get("active_from"),
        active_until=data.get("active_until"),
    )


def _read_settings(data: Json) -> Settings:
    def some(name: str, build: Any) -> Any:
        return None if data.get(name) is None else build(data[name])

    return Settings(
        sources=some("sources", lambda v: tuple(SourceKind(kind) for kind in v)),
        filters=some("filters", lambda v: ProductFilter(**v)),
        exclude=some("exclude", lambda v: ExcludeSettings(**{**v, "product_ids": tuple(v.get("product_ids", ()))})),
        blend=some("blend", lambda v: BlendSettings(**v)),
        rerank=some("rerank", lambda v: RerankSettings(**v)),
        diversity=some("diversity", lambda v: DiversitySettings(**v)),
        k=some("k", int),
        rules=some("rules", lambda v: tuple(_read_rule(rule) for rule in v)),
    )


def loads(text: str | bytes) -> Scenario:
    try:
        data = json.loads(text)
        return Scenario(
            name=data["name"],
            description=data.get("description"),
            settings=_read_settings(data.get("settings") or {}),
            variants=tuple(
                Variant(v["name"], float(v["share"]), _read_settings(v.get("settings") or {}))
                for v in data.get("variants") or ()
            ),
            updated_at=float(data.get("updated_at") or 0.0),
        )
    except (InvalidInput, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a stored scenario: {exc}") from exc
