"""ScenarioStore in memory: one process, so what it saves is what it serves."""

from domain.scenarios import Scenario


class InMemoryScenarioStore:
    def __init__(self) -> None:
        self._scenarios: dict[str, Scenario] = {}

    async def exists(self, name: str) -> bool:
        """Whether a scenario of that name is configured now (the A/B counters' bounded labels)."""
        return self.serving(name) is not None

    def serving(self, name: str) -> Scenario | None:
        return self._scenarios.get(name)

    async def get(self, name: str) -> Scenario | None:
        return self._scenarios.get(name)

    async def list(self) -> list[Scenario]:
        return [self._scenarios[name] for name in sorted(self._scenarios)]

    async def save(self, scenario: Scenario) -> None:
        self._scenarios[scenario.name] = scenario

    async def delete(self, name: str) -> bool:
        return self._scenarios.pop(name, None) is not None
