"""Scenarios that saving refuses, each with the path its BAD_USER_INPUT names (tests/api/test_scenarios_api.py)."""

from typing import Any

PIN = {"action": "PIN", "productIds": ["p001"], "position": 1}
BAD: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "scenario.name"),
    ({"name": "has space"}, "scenario.name"),
    ({"name": "s", "description": "Home page\u001b[2J"}, "scenario.description"),  # tab and line breaks only
    ({"name": "x" * 65}, "scenario.name"),
    ({"name": "s", "k": 0}, "scenario.k"),
    ({"name": "s", "sources": ["POPULAR", "POPULAR"]}, "scenario.sources[1]"),
    ({"name": "s", "filters": {"minPrice": -1}}, "scenario.filters.minPrice"),
    ({"name": "s", "blend": {"weight": 2}}, "scenario.blend.weight"),
    ({"name": "s", "rules": [PIN] * 51}, "scenario.rules"),
    (
        {"name": "s", "rules": [{"action": "HIDE", "productIds": [f"p{n}" for n in range(1001)]}]},
        "scenario.rules[0].productIds",
    ),
    (
        {
            "name": "s",
            "rules": [{"action": "HIDE", "productIds": [f"p{n}" for n in range(m, m + 600)]} for m in (0, 600)],
        },
        "scenario.rules",
    ),  # 1,200 hidden ids in all, above the request's own cap
    ({"name": "s", "variants": [{"name": f"v{n}", "share": 0.01} for n in range(21)]}, "scenario.variants"),
    ({"name": "s", "rules": [PIN, PIN, PIN, {**PIN, "position": 11}]}, "scenario.rules[3].position"),
    ({"name": "s", "k": 20, "rules": [{**PIN, "position": 21}]}, "scenario.rules[0].position"),
    ({"name": "s", "rules": [{**PIN, "position": 0}]}, "scenario.rules[0].position"),
    ({"name": "s", "rules": [{"action": "BOOST", "productIds": ["p001"], "weight": 11}]}, "scenario.rules[0].weight"),
    ({"name": "s", "rules": [{"action": "BURY", "productIds": ["p001"], "weight": -1}]}, "scenario.rules[0].weight"),
    ({"name": "s", "rules": [{"action": "BOOST", "productIds": ["p001"]}]}, "scenario.rules[0].weight"),
    ({"name": "s", "rules": [{"action": "HIDE"}]}, "scenario.rules[0]"),
    ({"name": "s", "rules": [{"action": "HIDE", "productIds": ["a b"]}]}, "scenario.rules[0].productIds[0]"),
    ({"name": "s", "rules": [{"action": "HIDE", "match": {"minRating": 9}}]}, "scenario.rules[0].match.minRating"),
    ({"name": "s", "rules": [{"action": "HIDE", "match": {}}]}, "scenario.rules[0].match"),  # would hide all
    (
        {"name": "s", "rules": [{"action": "HIDE", "match": {"inStockOnly": False}, "productIds": ["p001"]}]},
        "scenario.rules[0].match",
    ),
    (
        {"name": "s", "variants": [{"name": "a", "share": 0.5, "rules": [{"action": "HIDE", "match": {}}]}]},
        "scenario.variants[0].rules[0].match",
    ),
    (
        {"name": "s", "rules": [{**PIN, "activeFrom": "2026-02-01T00:00:00Z", "activeUntil": "2026-01-01T00:00:00Z"}]},
        "scenario.rules[0].activeUntil",
    ),
    ({"name": "s", "variants": [{"name": "a", "share": 1.5}]}, "scenario.variants[0].share"),
    (
        {"name": "s", "variants": [{"name": "a", "share": 0.6}, {"name": "b", "share": 0.5}]},
        "scenario.variants[1].share",
    ),
    (
        {"name": "s", "variants": [{"name": "a", "share": 0.1}, {"name": "a", "share": 0.1}]},
        "scenario.variants[1].name",
    ),
    ({"name": "s", "variants": [{"name": "control", "share": 0.1}]}, "scenario.variants[0].name"),
    ({"name": "s", "variants": [{"name": "a", "share": 0.1, "k": 101}]}, "scenario.variants[0].k"),
    (
        {"name": "s", "variants": [{"name": "a", "share": 0.1, "k": 2, "rules": [{**PIN, "position": 3}]}]},
        "scenario.variants[0].rules[0].position",
    ),
]
