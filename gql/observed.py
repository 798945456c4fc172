"""What the GraphQL layer reports for metrics: each operation's root fields, outcome and latency, the
stages of each recommendation, and the pages and events each experiment counted. The serving layer
supplies the Observer (serving/metrics.py)."""

import time
from collections.abc import Iterator
from typing import Protocol

from graphql import OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from domain.attribution import Conversion
from domain.models import Recommendations, Timings


class Observer(Protocol):
    def operation(self, name: str, outcome: str, seconds: float) -> None: ...

    def stages(self, timings: Timings) -> None: ...

    def served(self, page: Recommendations) -> None:
        """A page was served (counted by experiment when it has a scenario)."""
        ...

    def attributed(self, conversion: Conversion) -> None: ...


class NoObserver:
    def operation(self, name: str, outcome: str, seconds: float) -> None:
        pass

    def stages(self, timings: Timings) -> None:
        pass

    def served(self, page: Recommendations) -> None:
        pass

    def attributed(self, conversion: Conversion) -> None:
        pass


def operation_name(document: object) -> str:
    """The root fields, e.g. `recommendations` or `categories+brands`: a bounded set of label values."""
    for definition in getattr(document, "definitions", ()):
        if isinstance(definition, OperationDefinitionNode):
            names = sorted({s.name.value for s in definition.selection_set.selections if hasattr(s, "name")})
            return "+".join(names[:4]) or "-"
    return "-"


def outcome_of(errors: list[object] | None) -> str:
    if not errors:
        return "ok"
    return str((getattr(errors[0], "extensions", None) or {}).get("code", "error"))


class Observed(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        context = self.execution_context
        observer: Observer | None = getattr(context.context, "observer", None)
        if observer is not None:
            errors = getattr(context.result, "errors", None)
            observer.operation(
                operation_name(context.graphql_document), outcome_of(errors), time.perf_counter() - start
            )
