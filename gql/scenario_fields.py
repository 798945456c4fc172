"""Scenarios over GraphQL: the admin fields that save, read and delete them, and `in_scenario`, which every
recommending field calls to serve its request under the scenario it names."""

from typing import Annotated, Any

import strawberry

from domain.scenarios import NO_SCENARIO, Served
from gql.admin import AdminOnly, AdminRead
from gql.arguments import arg
from gql.context import Info
from gql.scenario_inputs import ScenarioInput
from gql.scenario_types import DeleteScenarioResult, Scenario, ScenarioDeleted, ScenarioNotFound, UpsertScenarioResult

SCENARIO_DOC = (
    "A saved scenario (see `upsertScenario`): its settings, or those of the user's A/B variant of it, are the "
    "defaults of this request; the arguments given here override them one by one. Unknown: BAD_USER_INPUT."
)
# Arguments whose null is a setting of its own (exclude nothing), not "omitted".
_MEANINGFUL_NULL = frozenset({"exclude"})


def given_arguments(info: Info) -> frozenset[str]:
    """The arguments of the current field the caller wrote (a variable counting as written): those override
    the scenario's settings. A null counts as omitted, except where null means something of its own."""
    written: dict[str, Any] = getattr(info.selected_fields[0], "arguments", {})
    return frozenset(name for name, value in written.items() if value is not None or name in _MEANINGFUL_NULL)


def in_scenario(info: Info, scenario: str | None, user_id: str) -> tuple[Served, frozenset[str]]:
    """What serves this request (no scenario: nothing changes), and the arguments that override its settings."""
    if scenario is None:
        return NO_SCENARIO, frozenset()
    return info.context.service.served_by(scenario, user_id), given_arguments(info)


@strawberry.type
class ScenarioQueries:
    @strawberry.field(description="Every saved scenario, by name (admin).", extensions=[AdminRead()])
    async def scenarios(self, info: Info) -> list[Scenario]:
        return [Scenario.of(s) for s in await info.context.service.list_scenarios()]

    @strawberry.field(
        description="One saved scenario; null when there is none of that name (admin).", extensions=[AdminRead()]
    )
    async def scenario(self, info: Info, name: Annotated[str, arg("The scenario's name.")]) -> Scenario | None:
        found = await info.context.service.scenario(name)
        return None if found is None else Scenario.of(found)


@strawberry.type
class ScenarioMutations:
    @strawberry.mutation(
        description="Create or replace a scenario, checked whole first (a bad part is a BAD_USER_INPUT naming it, "
        "e.g. `scenario.rules[3].position`, and nothing is saved); every instance serves it from its next request "
        "on (admin).",
        extensions=[AdminOnly()],
    )
    async def upsert_scenario(
        self, info: Info, scenario: Annotated[ScenarioInput, arg("The whole scenario; it replaces one of that name.")]
    ) -> UpsertScenarioResult:
        return Scenario.of(await info.context.service.upsert_scenario(scenario.to_domain()))

    @strawberry.mutation(
        description="Delete a scenario; requests naming it are refused from then on (admin).", extensions=[AdminOnly()]
    )
    async def delete_scenario(
        self, info: Info, name: Annotated[str, arg("The scenario to delete.")]
    ) -> DeleteScenarioResult:
        if await info.context.service.delete_scenario(name):
            return ScenarioDeleted(name=name)
        return ScenarioNotFound(message=f"No scenario named '{name}'.", name=name)
