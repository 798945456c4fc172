"""Command-line flags derived from the settings fields: each option is defined once, in bootstrap/settings.py.

A field becomes `--name-with-dashes` (plus any older spellings it lists), with its type, its choices
when it is a Literal, `--x/--no-x` when it is a bool, and its description as help. Flags default to
"not given", so the environment (`RECOMMENDER_<NAME>`) and then the field's default apply.
"""

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from adapters.embedder import DIM
from bootstrap.settings import Settings
from bootstrap.stores import index_config


def _extra(field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def _plain(annotation: Any) -> Any:
    """`int | None` → int; `Annotated[X, ...]` → X; other annotations as they are."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (inner,) = (arg for arg in typing.get_args(annotation) if arg is not type(None))
        return inner
    return annotation


def _add(group: argparse._ArgumentGroup, name: str, field: FieldInfo) -> None:
    flags = ["--" + name.replace("_", "-"), *_extra(field).get("flags", [])]
    kind = _plain(field.annotation)
    default = "" if field.default is None else f" (default: {field.default})"
    common: dict[str, Any] = {"dest": name, "default": None, "help": f"{field.description}{default}"}
    if kind is bool:
        group.add_argument(*flags, action=argparse.BooleanOptionalAction, **common)
    elif typing.get_origin(kind) is typing.Literal:
        group.add_argument(*flags, choices=typing.get_args(kind), **common)
    elif typing.get_origin(kind) is tuple:  # repeatable: --cors-origin A --cors-origin B
        group.add_argument(*flags, action="append", **common)
    elif kind in (int, float, str, Path):
        group.add_argument(*flags, type=kind, **common)
    else:
        raise TypeError(f"no flag for settings field {name}: {field.annotation}")


def add_settings_options(parser: argparse.ArgumentParser, *groups: str) -> None:
    """The flags of every settings field in `groups`, under a heading per group, in the order given."""
    headings = {group: parser.add_argument_group(group) for group in groups}
    for name, field in Settings.model_fields.items():
        group = _extra(field).get("group")
        if group in headings:
            _add(headings[group], name, field)


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings from the flags given (then the environment, then the defaults); exit 2 on a bad value."""
    given = {name: value for name in Settings.model_fields if (value := getattr(args, name, None)) is not None}
    try:
        settings = Settings(**{**given, **overrides})
        index_config(settings, DIM)  # combinations RediSearch would reject, refused before anything starts
    except ValidationError as exc:
        problems = "; ".join(f"--{'.'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in exc.errors())
        print(f"recommender: invalid options: {problems}", file=sys.stderr)
        raise SystemExit(2) from None
    except ValueError as exc:
        print(f"recommender: invalid index options: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return settings
