"""The arguments of `recommender evaluate`, apart from the command: building the parser must not import the
evaluation (the harness, the schema, strawberry), which every other command would then pay for at start."""

import argparse
from pathlib import Path

from cli.arguments import positive


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="a folder holding items.jsonl and sequences.txt")
    parser.add_argument("--users", type=positive, default=None, help="only the first N users of sequences.txt")
    parser.add_argument(
        "--products",
        type=positive,
        default=None,
        help="index only the products those users touch plus a seeded sample up to N (a quick check; "
        "figures are then not comparable with the published ones)",
    )
    parser.add_argument("--concurrency", type=positive, default=8, help="recommendation calls in flight")
    parser.add_argument(
        "--splits",
        choices=("validation", "test", "both"),
        default="both",
        help="which targets to score; `validation` never imports nor asks the test split (its figures are null): "
        "the one to choose weights and scenarios on",
    )
    parser.add_argument(
        "--scenarios",
        type=Path,
        default=None,
        help="a JSON list of ScenarioInput objects: each scenario and each variant (all users) is scored beside "
        "the default request",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
