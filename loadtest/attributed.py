"""The attributed share of `make loadtest`: events that name the page that served their product.

After a recommendations page, a client sometimes records a CLICK, ADD_TO_CART or PURCHASE of one of
its products with the page's id, and sometimes sends that same event again. The run then checks, per
scenario and variant, that `scenarioStats` counts exactly the pages, items and acknowledged
attributed events the clients saw: a first event on a scenario page must answer `attributed: true`,
a repeat `false`, and a page without a scenario never attributes.

The run creates its scenario through the admin API (`create_scenario`: the control and a variant `b` at half
the users) and every recommendations page asks for it; with `--plain` no page has a scenario and the check covers
the unattributed answers only.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

EVENT = """mutation($u: ID!, $p: ID!, $k: EventKind!, $r: ID) {
  recordEvent(userId: $u, productId: $p, kind: $k, recommendationId: $r) {
    __typename ... on EventRecorded { attributed } } }"""
UPSERT = """mutation($s: ScenarioInput!) { upsertScenario(scenario: $s) {
  __typename ... on Scenario { name variants { name share } } } }"""
STATS = """query($n: String!) { scenarioStats(name: $n) {
  variants { variant requests impressions clicks addToCarts purchases } } }"""
KINDS = {"CLICK": "clicks", "ADD_TO_CART": "addToCarts", "PURCHASE": "purchases"}
EVENT_SHARE = 0.3  # of pages, followed by an attributed event
REPEAT_SHARE = 0.2  # of those events, sent twice


@dataclass
class Attributed:
    """Per (scenario, variant): what the server acknowledged."""

    seen: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    problems: Counter[str] = field(default_factory=Counter)

    def page(self, page: dict[str, Any]) -> None:
        if page.get("scenario"):
            counts = self.seen.setdefault((page["scenario"], page["variant"]), Counter())
            counts["requests"] += 1
            counts["impressions"] += len(page["items"])

    def event(self, page: dict[str, Any], kind: str, attributed: bool, repeat: bool) -> None:
        expected = bool(page.get("scenario")) and not repeat
        if attributed != expected:
            self.problems[
                f"{kind} on a {'scenario' if page.get('scenario') else 'plain'} page, repeat={repeat}: "
                f"attributed={attributed}"
            ] += 1
        elif attributed:
            self.seen[(page["scenario"], page["variant"])][KINDS[kind]] += 1


async def follow_page(
    http: httpx.AsyncClient,
    rng: random.Random,
    user: str,
    page: dict[str, Any],
    tally: Attributed,
    clicks: Counter[str],
) -> list[str]:
    """Maybe send an attributed event (and its repeat) for `page`; the errors met, if any. Each acknowledged
    CLICK also adds to `clicks` of the user (the user's click count moves with every CLICK event)."""
    tally.page(page)
    if not page["items"] or rng.random() >= EVENT_SHARE:
        return []
    kind = rng.choice(list(KINDS))
    product = rng.choice(page["items"])["product"]["id"]
    variables = {"u": user, "p": product, "k": kind, "r": page["id"]}
    errors = []
    for repeat in (False, True) if rng.random() < REPEAT_SHARE else (False,):
        try:
            body = (await http.post("/graphql", json={"query": EVENT, "variables": variables})).json()
        except (httpx.HTTPError, ValueError) as exc:
            errors.append(f"event: {type(exc).__name__}")
            break
        if body.get("errors") or body["data"]["recordEvent"]["__typename"] != "EventRecorded":
            errors.append(f"event: {body.get('errors') or body['data']}"[:200])
            break
        tally.event(page, kind, body["data"]["recordEvent"]["attributed"], repeat)
        clicks[user] += kind == "CLICK"
    return errors


async def create_scenario(base: str, name: str, headers: dict[str, str]) -> None:
    """Save the run's scenario: plain settings as the control, and a variant `b` (half the users) that boosts the
    products in stock, so both arms serve and count."""
    boost = {"action": "BOOST", "match": {"inStockOnly": True}, "weight": 0.1}
    scenario = {"name": name, "description": "load test", "variants": [{"name": "b", "share": 0.5, "rules": [boost]}]}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as http:
        body = (await http.post("/graphql", json={"query": UPSERT, "variables": {"s": scenario}})).json()
    saved = (body.get("data") or {}).get("upsertScenario") or {}
    if saved.get("__typename") != "Scenario":
        raise RuntimeError(f"could not create the scenario {name!r}: {body}")
    print(f"  scenario {name!r} created: control and {saved['variants']}")


async def check_counts(base: str, tally: Attributed, scenarios: list[str], headers: dict[str, str]) -> bool:
    """Print and compare what the server counted for `scenarios` with what the clients were told, every variant
    the server knows included (one the clients never saw must count nothing); True when equal."""
    counted: dict[tuple[str, str], dict[str, int]] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as http:
        for scenario in sorted({*scenarios, *(s for s, _ in tally.seen)}):
            body = (await http.post("/graphql", json={"query": STATS, "variables": {"n": scenario}})).json()
            for row in body["data"]["scenarioStats"]["variants"]:
                counted[(scenario, row.pop("variant"))] = row
    names = ("requests", "impressions", *KINDS.values())
    mismatched = {
        key: (dict(tally.seen.get(key, {})), counted.get(key))
        for key in {*tally.seen, *counted}
        if any(counted.get(key, {}).get(name, 0) != tally.seen.get(key, Counter())[name] for name in names)
    }
    for (scenario, variant), row in sorted(counted.items()):
        print(f"  {scenario}/{variant}: server " + ", ".join(f"{name} {row[name]}" for name in names))
    acked = sum(sum(c[k] for k in KINDS.values()) for c in tally.seen.values())
    print(
        f"  attributed: {len(tally.seen)} scenario variants, {acked} events acknowledged, "
        f"mismatched {len(mismatched)}, wrong answers {sum(tally.problems.values())}"
    )
    for key, pair in list(mismatched.items())[:5]:
        print(f"    {key}: clients {pair[0]} vs server {pair[1]}")
    for message, count in tally.problems.most_common(5):
        print(f"    {count} x {message}")
    return not mismatched and not tally.problems
