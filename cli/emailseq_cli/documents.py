"""Reading sequence documents (YAML or JSON) and `k=v` options from the command line."""

import json
from pathlib import Path
from typing import Any

import yaml

from emailseq_cli.errors import CliError


def load_document(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CliError(f"{path}: no such file; give the path of a sequence document (YAML or JSON)")
    text = path.read_text()
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise CliError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}") from error
    if not isinstance(data, dict) or "id" not in data:
        raise CliError(f"{path}: a sequence document is a mapping with an `id` (see README)")
    return data


def parse_pairs(pairs: list[str], option: str) -> dict[str, Any]:
    """`k=v` pairs; values that read as JSON scalars (numbers, true/false/null) keep that type."""
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise CliError(f"{option} {pair!r}: expected key=value")
        try:
            value = json.loads(raw)
            parsed[key] = value if isinstance(value, (int, float, bool)) or value is None else raw
        except ValueError:
            parsed[key] = raw
    return parsed
