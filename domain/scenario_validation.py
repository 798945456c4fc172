"""A scenario is checked whole before it is saved: the first bad part is named by its path (e.g.
`scenario.rules[3].position`, `scenario.variants[1].share`) and nothing is saved.

Contradictory rules are allowed: a PIN on a product a HIDE also matches is saved, and HIDE wins when served.
A HIDE whose match sets no field is refused: it would hide the whole catalog.
"""

import re
from collections.abc import Collection

from domain.errors import InvalidInput
from domain.filters import DEFAULT_K, MAX_EXCLUDED_IDS, MAX_K, MIN_K
from domain.rules import Rule, RuleAction
from domain.scenarios import CONTROL, Scenario, Settings, Variant
from domain.source_kinds import SourceKind
from domain.validation import check_ids, check_no_control_chars_but_layout, check_range, check_text

MAX_RULES = 50
MAX_VARIANTS = 20
MAX_RULE_WEIGHT = 10.0
MAX_DESCRIPTION_CHARS = 1024
# Names become Redis hash fields and metric labels: a closed, short charset.
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
NAME_RULE = "1-64 characters from A-Z a-z 0-9 _ . -"
# Float sums of shares such as 0.1 + 0.2 + 0.7 land a hair above 1.
_SHARE_SLACK = 1e-9


def check_name(argument: str, name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidInput(argument, f"must be {NAME_RULE}")
    return name


def check_scenario(scenario: Scenario, servable: Collection[SourceKind]) -> Scenario:
    check_name("scenario.name", scenario.name)
    if scenario.description is not None:
        check_text("scenario.description", scenario.description, MAX_DESCRIPTION_CHARS)
        # The description is saved as given, untrimmed: checked whole.
        check_no_control_chars_but_layout("scenario.description", scenario.description)
    k = _check_settings("scenario", scenario.settings, servable, DEFAULT_K)
    _check_variants(scenario.variants, servable, k)
    return scenario


def _check_settings(path: str, settings: Settings, servable: Collection[SourceKind], k: int) -> int:
    """The page size the settings' PIN positions are checked against (theirs, else `k`)."""
    sources = settings.sources or ()
    for i, kind in enumerate(sources):
        if kind not in servable:
            raise InvalidInput(f"{path}.sources[{i}]", f"{kind.value} is not a source this server can serve")
        if kind in sources[:i]:
            raise InvalidInput(f"{path}.sources[{i}]", f"{kind.value} is named twice")
    if settings.k is not None and not MIN_K <= settings.k <= MAX_K:
        raise InvalidInput(f"{path}.k", f"must be between {MIN_K} and {MAX_K}, got {settings.k}")
    page = settings.k or k
    rules = settings.rules or ()
    if len(rules) > MAX_RULES:
        raise InvalidInput(f"{path}.rules", f"at most {MAX_RULES} rules, got {len(rules)}")
    for i, rule in enumerate(rules):
        check_rule(f"{path}.rules[{i}]", rule, page)
    hidden = sum(len(rule.product_ids) for rule in rules if rule.action is RuleAction.HIDE)
    if hidden > MAX_EXCLUDED_IDS:  # they all join a served request's excluded ids
        raise InvalidInput(f"{path}.rules", f"the HIDE rules list {hidden} ids, at most {MAX_EXCLUDED_IDS} in all")
    return page


def check_rule(path: str, rule: Rule, k: int) -> Rule:
    # Any rule's list, as long as a request's exclusion may be.
    check_ids(f"{path}.product_ids", rule.product_ids, MAX_EXCLUDED_IDS)
    if rule.match is None and not rule.product_ids:
        raise InvalidInput(path, "needs a match, productIds, or both")
    if rule.action is RuleAction.HIDE and rule.match is not None and rule.match.is_empty:
        # It would hide every product; the request path refuses such a filter (filters.hidden).
        raise InvalidInput(f"{path}.match", "an empty match would hide every product: set at least one field")
    _check_weight(path, rule)
    _check_position(path, rule, k)
    if rule.active_from is not None and rule.active_until is not None and rule.active_until <= rule.active_from:
        raise InvalidInput(f"{path}.active_until", "must be after activeFrom")
    return rule


def _check_weight(path: str, rule: Rule) -> None:
    moves = rule.action in (RuleAction.BOOST, RuleAction.BURY)
    if moves and rule.weight is None:
        raise InvalidInput(f"{path}.weight", f"{rule.action.value} needs a weight")
    if not moves and rule.weight is not None:
        raise InvalidInput(f"{path}.weight", "only BOOST and BURY take a weight")
    if rule.weight is not None:
        check_range(f"{path}.weight", rule.weight, 0.0, MAX_RULE_WEIGHT)


def _check_position(path: str, rule: Rule, k: int) -> None:
    pins = rule.action is RuleAction.PIN
    if pins and not rule.product_ids:
        raise InvalidInput(f"{path}.product_ids", "PIN places listed products: name at least one")
    if pins and rule.position is None:
        raise InvalidInput(f"{path}.position", "PIN needs a position")
    if not pins and rule.position is not None:
        raise InvalidInput(f"{path}.position", "only PIN takes a position")
    if rule.position is not None and not 1 <= rule.position <= k:
        raise InvalidInput(f"{path}.position", f"must be between 1 and k ({k}), got {rule.position}")


def _check_variants(variants: tuple[Variant, ...], servable: Collection[SourceKind], k: int) -> None:
    if len(variants) > MAX_VARIANTS:
        raise InvalidInput("scenario.variants", f"at most {MAX_VARIANTS} variants, got {len(variants)}")
    seen: set[str] = set()
    total = 0.0
    for i, variant in enumerate(variants):
        path = f"scenario.variants[{i}]"
        name = check_name(f"{path}.name", variant.name)
        if name.lower() == CONTROL:
            raise InvalidInput(f"{path}.name", f"'{CONTROL}' names the scenario's own settings")
        if name in seen:
            raise InvalidInput(f"{path}.name", f"'{name}' is named twice")
        seen.add(name)
        total += check_range(f"{path}.share", variant.share, 0.0, 1.0)
        if total > 1.0 + _SHARE_SLACK:
            raise InvalidInput(f"{path}.share", f"the variants' shares sum to {total:g}, above 1")
        _check_settings(path, variant.settings, servable, k)
