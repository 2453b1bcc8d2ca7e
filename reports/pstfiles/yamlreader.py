"""The hardened reader of hand-edited YAML files, and their one-line errors.

Field officers write the PST and observations files, so every error is one line naming the
file, the line and the field, and nothing in a file (size, encoding, aliases, nesting,
duplicate keys) can make the checker or the renderers that show the files misbehave. This
module knows YAML and pydantic, not the PST: the schemas are given to `check_yaml`.
"""

import difflib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAPPING",
    "Check",
    "Issue",
    "check_yaml",
    "show_value",
]

# A real PST file is 5 to 20 KB: a few exemplary projects, a conference a year, a few dozen meetings
# and actions. Every item is printed in the portrait (the PDF grows by a page for about 3 KB of text),
# so the limits bound the build: the largest accepted file (about 90 pages of PST) builds its commune in
# about 15 s instead of 10 s; a 4.8 MB file, once accepted, took 4 to 7 minutes.
MAX_FILE_BYTES = 256_000
MAX_NODES = 50_000  # YAML values, aliases expanded: a real PST has a few hundred
MAX_DEPTH = 20
MAPPING = (
    "the file is a mapping of keys"  # what the top level must be, when the schema does not say
)

# A problem the schema cannot see entry by entry: (pydantic-style location, message).
Issue = tuple[tuple[str | int, ...], str]
Check = Callable[[dict], Iterable[Issue]]


def show_value(value: Any) -> str:
    """A user value inside a one-line message: short, quoted, control characters escaped."""
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, bool):
        return str(value).lower()
    kinds = {
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing",
    }
    kind = kinds.get(type(value), type(value).__name__)
    return f"{kind} ({value})" if isinstance(value, (int, float)) else kind


# ---------------------------------------------------------------- YAML with line numbers


class _Loader(yaml.SafeLoader):
    """safe_load, but dates stay text (checked per field) and nesting is capped before recursion fails."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = self.nodes = 0

    def compose_node(self, parent, index):
        self.depth += 1
        self.nodes += 1
        try:
            if self.nodes > MAX_NODES:
                raise _FileError(
                    f"too many YAML values (more than {MAX_NODES})",
                    self.peek_event().start_mark.line + 1,
                )
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _FileError(Exception):
    def __init__(self, message, line=None):
        super().__init__(message)
        self.message, self.line = message, line


def _check_tree(root):
    """Walk the nodes as the schema check will, aliases expanded: refuse alias bombs (a billion
    laughs is 10^9 values from 1 kB), cycles, deep nesting and duplicate keys, which PyYAML drops silently."""
    done, open_nodes = {}, set()  # id -> (values below, height)

    def walk(node, depth):
        line = node.start_mark.line + 1
        if id(node) in open_nodes:
            raise _FileError("a YAML alias refers to its own anchor (recursive structure)", line)
        if id(node) not in done:
            if depth > MAX_DEPTH:
                raise _FileError(f"nested deeper than {MAX_DEPTH} levels", line)
            open_nodes.add(id(node))
            children = node.value if isinstance(node, SequenceNode) else []
            if isinstance(node, MappingNode):
                keys = {}
                for key, _ in node.value:
                    if not isinstance(key, ScalarNode):
                        raise _FileError(
                            "a key must be a plain word, not a list or a mapping",
                            key.start_mark.line + 1,
                        )
                    if key.value in keys:
                        raise _FileError(
                            f"duplicate key '{key.value}' (already on line {keys[key.value]})",
                            key.start_mark.line + 1,
                        )
                    keys[key.value] = key.start_mark.line + 1
                children = [n for pair in node.value for n in pair]
            below = [walk(child, depth + 1) for child in children]
            text = len(node.value) if isinstance(node, ScalarNode) else sum(t for *_, t in below)
            done[id(node)] = (
                1 + sum(n for n, *_ in below),
                1 + max((h for _, h, _ in below), default=0),
                text,
            )
            open_nodes.discard(id(node))
        values, height, text = done[id(node)]
        if depth + height - 1 > MAX_DEPTH:
            raise _FileError(f"nested deeper than {MAX_DEPTH} levels (through aliases)", line)
        if values > MAX_NODES:
            raise _FileError(
                f"too many YAML values once aliases are expanded (more than {MAX_NODES}): remove the anchors (&) and aliases (*)",
                line,
            )
        if (
            text > MAX_FILE_BYTES
        ):  # what the portrait prints is bounded like the file, aliases or not
            raise _FileError(
                f"too much text once aliases are expanded (more than {_bytes(MAX_FILE_BYTES)}): remove the anchors (&) and aliases (*)",
                line,
            )
        return values, height, text

    walk(root, 1)


def _bytes(size):
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def _read_yaml(path, shape=MAPPING):
    """(data, root node) of a hand-edited YAML file, or _FileError: size, encoding and YAML checked in
    that order; `shape` says what the top level should be when it is not a mapping."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
            size = os.fstat(handle.fileno()).st_size
    except OSError as exc:
        raise _FileError(f"cannot read ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _FileError(
            f"file too large ({_bytes(max(size, len(raw)))}, at most {_bytes(MAX_FILE_BYTES)})"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _FileError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the file as UTF-8",
            raw[: exc.start].count(b"\n") + 1,
        ) from None
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _FileError(
            f"invalid character U+{exc.character:04X}: remove it",
            text[: exc.position].count("\n") + 1,
        ) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise _FileError("empty file", 1)
        _check_tree(root)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _FileError(
            f"invalid YAML: {exc.problem or exc.context}", mark.line + 1 if mark else None
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise _FileError(f"invalid YAML value ({exc})") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise _FileError(shape, 1)
    if isinstance(
        data.get("commune"), int
    ):  # 93066 unquoted: keep the text, and the leading zero of 01001
        data["commune"] = next(v.value for k, v in root.value if k.value == "commune")
    return data, root


def _line(root, loc):
    """YAML line of the field at a pydantic `loc`, or of its closest parent present in the file."""
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif (
            isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


# ---------------------------------------------------------------- messages

EXPECTED = {
    "string_type": "text",
    "list_type": "a list (lines starting with '- ')",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "dict_type": "a mapping (key: value lines)",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def _count(number):
    return f"{number:,}".replace(",", " ")


def _path(loc):
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _model_at(loc, model):
    """The schema class of the mapping at `loc` below `model`, for the keys an unknown key could have meant."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        stack, model = [field.annotation] if field else [], None
        while stack:
            candidate = stack.pop()
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
            stack.extend(get_args(candidate))
        if model is None:
            return None
    return model


def _message(error, model):
    kind, loc, value, ctx = error["type"], error["loc"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], model)
        keys = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(keys)}"
        return f"unknown key ({hint})"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))
    if kind == "string_too_long":
        return f"too long: {_count(len(value))} characters, at most {_count(ctx['max_length'])}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_long":
        return f"too many items: {ctx.get('actual_length')}, at most {ctx.get('max_length')}"
    if kind in EXPECTED:
        return f"expected {EXPECTED[kind]}, got {show_value(value)}"
    return error["msg"]


def _one_line(name, line, path, message):
    where = f"{name}:{line}" if line else name
    text = f"{where}: {path}: {message}" if path else f"{where}: {message}"
    return " ".join(text.splitlines())


def check_yaml(
    path: str | Path,
    schema: type[BaseModel],
    context: dict | None = None,
    shape: str | None = None,
    checks: Iterable[Check] = (),
) -> tuple[BaseModel | None, list[str]]:
    """(model or None, one-line errors) for one hand-edited YAML file validated by the pydantic `schema`.

    Shared by every file kind field officers write (PST, observations), so that they all get the
    same safe loader, the same line numbers and the same wording. `shape` says what the top level
    should be (default: the schema's SHAPE, else MAPPING). `checks` are functions of the raw data
    yielding (loc, message) for what the schema cannot see entry by entry.
    """
    if shape is None:
        shape = getattr(schema, "SHAPE", MAPPING)
    path = Path(path)
    name = str(path)
    try:
        data, root = _read_yaml(path, shape)
    except _FileError as exc:
        return None, [_one_line(name, exc.line, "", exc.message)]
    issues = [issue for check in checks for issue in check(data)]
    model = None
    try:
        model = schema.model_validate(data, context=context)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if error["type"] == "invalid_key":  # `1: x` or `null: x`: an unknown key like any other
                key = "null" if error["loc"][-1] is None else str(error["loc"][-1])
                error = {**error, "type": "extra_forbidden", "loc": (*error["loc"][:-1], key)}
            issues.append((tuple(error["loc"]), _message(error, schema)))
    located = sorted(
        ((_line(root, loc), _path(loc), message) for loc, message in issues),
        key=lambda issue: issue[0],
    )
    errors = [_one_line(name, *issue) for issue in located]
    return (None if errors else model), errors
