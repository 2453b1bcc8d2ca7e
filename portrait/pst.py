"""Projets sociaux de territoire (PST): one hand-edited YAML file per commune, checked against a schema.

Field officers write these files, so every error is one line naming the file, the
line and the field, and nothing in a file (size, aliases, nesting, links) can make
the checker or the renderers that show the files misbehave.
"""

import datetime as dt
import difflib
import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    field_validator,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from geodata.errors import InputError
from geodata.files import write_atomic
from portrait.files import DEFAULT_PST_DIR, default_pst_directory

TEMPLATE = Path(__file__).parent / "data" / "pst_template.yaml"
# Limits that `pst check` enforces. A real PST file is 5 to 20 KB: a few exemplary projects, a conference a
# year, a few dozen meetings and actions. Every item is printed in the portrait (the PDF grows by a page for
# about 3 KB of text), so the limits bound the build: the largest accepted file (about 90 pages of PST)
# builds its commune in about 15 s instead of 10 s; a 4.8 MB file, once accepted, took 4 to 7 minutes.
MAX_FILE_BYTES = 256_000
MAX_NODES = 50_000  # YAML values, aliases expanded: a real PST has a few hundred
MAX_DEPTH = 20
MAX_TEXT = 2_000  # a description, an action, a comment
MAX_LABEL = 300  # a title, a name, a place, a partner
MAX_ITEM = 1_000  # one objective, agenda item or decision
MAX_ITEMS = 30  # partners, participants, objectives, agenda, decisions, signatories, links of one project or meeting
MAX_PROJECTS = 20
MAX_ACTIONS = 100
MAX_MEETINGS = 50
MAX_CONFERENCES = 10
YEARS = (2000, 2100)
UNLIMITED = "sans limite de durée"
PROJECT_STATUSES = ("idée", "en préparation", "en cours", "terminé", "suspendu")
ACTION_STATUSES = ("à faire", "en cours", "fait", "abandonné")
COMMUNE_CODE = re.compile(r"(?:\d{5}|2[AB]\d{3})")
SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


class PSTError(InputError):
    """A PST file that does not load: `errors` holds every one-line error, `str()` the first."""

    def __init__(self, path, errors):
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(None, errors[0] + more)
        self.path = str(path)
        self.errors = errors


# ---------------------------------------------------------------- field types


def _show(value):
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


@lru_cache(maxsize=1)
def _catalogue():
    from indicators.catalogue import load_catalogue

    return load_catalogue()


def _one_of(choices):
    def check(value):
        allowed = choices() if callable(choices) else choices
        if value not in allowed:
            raise ValueError(f"{_show(value)} is not one of {', '.join(allowed)}")
        return value

    return AfterValidator(check)


def _indicator(value):
    known = _catalogue().indicators
    if value not in known:
        close = difflib.get_close_matches(value, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see indicators/data/catalogue.yaml"
        raise ValueError(f"unknown indicator '{value}' ({hint})")
    return value


def _slug(value):
    if not SLUG.fullmatch(value):
        raise ValueError(
            f"{_show(value)} is not an id: lower-case letters, digits, - or _ (e.g. acces-aux-droits)"
        )
    return value


def _link(value):
    """http(s) URLs and relative paths only: a link is shown as <a href>, so no javascript:, data:, file:."""
    if re.search(r"[\s\\\x00-\x1f\x7f]", value):
        raise ValueError(
            f"{_show(value)} is not a link: no spaces, backslashes or control characters"
        )
    if SCHEME.match(value):
        scheme, _, rest = value.partition(":")
        if scheme.lower() not in ("http", "https") or not re.match(r"//[^/]", rest):
            raise ValueError(
                f"{_show(value)} is not allowed: links are http(s) URLs or relative paths"
            )
    elif value.startswith("//"):
        raise ValueError(f"{_show(value)} is not allowed: write the URL with https:")
    return value


def _day(value):
    """Dates are written AAAA-MM-JJ; the loader keeps them as text so that a bad one is a field error."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{_show(value)} is not a valid date ({exc})") from None
    if not isinstance(value, dt.date):
        raise ValueError(f"{_show(value)} is not a date (write AAAA-MM-JJ, e.g. 2025-03-14)")
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"year {value.year} is out of range ({YEARS[0]} to {YEARS[1]})")
    return value


def _duration(value):
    if isinstance(value, str) and value.strip().lower() == UNLIMITED:
        return UNLIMITED
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 50:
        return value
    raise ValueError(
        f"{_show(value)} is not a duration: a number of years (1 to 50) or '{UNLIMITED}'"
    )


def _none_is_empty(value):
    return [] if value is None else value


def _items(kind, limit=MAX_ITEMS):
    """A list field that may be left empty in the file (`partners:` with nothing after it), of at most `limit` items."""
    return Annotated[list[kind], BeforeValidator(_none_is_empty), Field(max_length=limit)]


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LABEL)]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ITEM)]
Slug = Annotated[Label, AfterValidator(_slug)]
Link = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_link),
]
Day = Annotated[dt.date, PlainValidator(_day)]
Duration = Annotated[int | str, PlainValidator(_duration)]
Theme = Annotated[str, _one_of(lambda: tuple(_catalogue().themes))]
IndicatorId = Annotated[str, AfterValidator(_indicator)]


# ---------------------------------------------------------------- schema


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Agreement(_Model):
    """The convention: left without a date until it is signed."""

    date: Day | None = None
    signatories: _items(Label) = []
    duration: Duration | None = None


class Project(_Model):
    id: Slug
    title: Label
    theme: Theme
    status: Annotated[str, _one_of(PROJECT_STATUSES)]
    description: Text = ""
    lead: Label | None = None
    partners: _items(Label) = []
    referent: Label | None = None
    start: Day | None = None
    end: Day | None = None
    objectives: _items(Item) = []
    indicators: _items(IndicatorId) = []
    links: _items(Link) = []

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end, info):
        start = info.data.get("start")
        if end and start and end < start:
            raise ValueError(f"end {end} is before start {start}")
        return end


class Meeting(_Model):
    kind: Annotated[str, _one_of(("conference", "concertation"))] = "concertation"
    date: Day
    place: Label | None = None
    participants: _items(Label) = []
    agenda: _items(Item) = []
    decisions: _items(Item) = []
    minutes: Link | None = None


class Conference(Meeting):
    kind: Annotated[str, _one_of(("conference",))] = "conference"


class Governance(_Model):
    conference: _items(Conference, MAX_CONFERENCES) = []
    meetings: _items(Meeting, MAX_MEETINGS) = []


class Action(_Model):
    id: Slug
    action: Annotated[Text, StringConstraints(min_length=1)]
    owner: Label
    due: Day | None = None
    status: Annotated[str, _one_of(ACTION_STATUSES)]
    comment: Text = ""

    def is_overdue(self, today=None):
        return (
            self.due is not None
            and self.due < (today or dt.date.today())
            and self.status not in ("fait", "abandonné")
        )


class CommuneFile(_Model):
    """A file about one commune, named after its code: `commune` must match the file name."""

    commune: str

    @field_validator("commune", mode="before")
    @classmethod
    def _known_commune(cls, value, info):
        if not isinstance(value, str) or not COMMUNE_CODE.fullmatch(value):
            raise ValueError(f"{_show(value)} is not a commune code (5 characters, e.g. '93066')")
        context = info.context or {}
        if context.get("stem") and value != context["stem"]:
            raise ValueError(f"'{value}' does not match the file name {context['stem']}.yaml")
        known = context.get("known_communes")
        if known is not None and value not in known:
            raise ValueError(f"unknown commune code '{value}'")
        return value


class PST(CommuneFile):
    """One commune's projet social de territoire; `example` marks the invented ones."""

    name: Label | None = None
    example: bool = False
    agreement: Agreement
    projects: _items(Project, MAX_PROJECTS) = []
    governance: Annotated[Governance, BeforeValidator(lambda v: {} if v is None else v)] = (
        Governance()
    )
    follow_up: _items(Action, MAX_ACTIONS) = []


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


PST_SHAPE = "a PST file is a mapping of keys (commune, agreement, projects, governance, follow_up)"


def _bytes(size):
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def _read_yaml(path, shape=PST_SHAPE):
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
        return f"expected {EXPECTED[kind]}, got {_show(value)}"
    return error["msg"]


def _duplicate_ids(data):
    """(loc, message) for ids used twice in projects or follow_up: the schema checks entries one by one."""
    for section in ("projects", "follow_up"):
        entries = data.get(section)
        seen = {}
        for n, entry in enumerate(entries if isinstance(entries, list) else []):
            ident = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(ident, str) and ident in seen:
                yield (
                    (section, n, "id"),
                    f"duplicate id '{ident}' (already {section}[{seen[ident]}])",
                )
            elif isinstance(ident, str):
                seen[ident] = n


def _one_line(name, line, path, message):
    where = f"{name}:{line}" if line else name
    text = f"{where}: {path}: {message}" if path else f"{where}: {message}"
    return " ".join(text.splitlines())


def check_yaml(path, schema, context=None, shape=PST_SHAPE, checks=()):
    """(model or None, one-line errors) for one hand-edited YAML file validated by the pydantic `schema`.

    Shared by every file kind field officers write (PST, observations), so that they all get the
    same safe loader, the same line numbers and the same wording. `checks` are functions of the
    raw data yielding (loc, message) for what the schema cannot see entry by entry.
    """
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


def commune_context(path, known_communes=None):
    """What the `commune` validator needs: the file name it must match, the communes it may be."""
    return {
        "stem": Path(path).stem,
        "known_communes": None if known_communes is None else set(known_communes),
    }


def _check(path, known_communes=None):
    """(model or None, one-line errors) for one PST file."""
    return check_yaml(path, PST, commune_context(path, known_communes), checks=(_duplicate_ids,))


# ---------------------------------------------------------------- public functions


def load_pst(path, known_communes=None):
    """The validated PST of one file; PSTError (an InputError) listing every error otherwise."""
    model, errors = _check(path, known_communes)
    if errors:
        raise PSTError(path, errors)
    return model


def pst_files(directory):
    return sorted(
        p
        for p in Path(directory).iterdir()
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file()
    )


def check_files(directory, check, kind="a PST file"):
    """({code: model or None}, errors) of the per-commune files of `directory`, each read by `check(path)`."""
    models, errors = {}, []
    for path in pst_files(directory):
        if path.suffix != ".yaml":
            errors.append(f"{path}: {kind} is named <commune code>.yaml, e.g. 93066.yaml")
            continue
        model, file_errors = check(path)
        models[path.stem] = model
        errors += file_errors
    return models, errors


def _check_all(directory, known_communes):
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(directory, "PST directory does not exist (pass --pst DIR)")
    return check_files(directory, lambda path: _check(path, known_communes))


def check_directory(directory, known_communes=None, known_iris=None):
    """Every error of every PST file of `directory` and of its observations/ files, one line each,
    in file then line order. `known_iris` ({IRIS code: commune code}) also checks the observations' places."""
    from portrait import observations  # it builds on this module

    errors = _check_all(directory, known_communes)[1]
    return errors + observations.check_observations(directory, known_communes, known_iris)


def load_directory(directory, known_communes=None):
    """Every PST of `directory` by commune code, for the renderers; PSTError if any file has an error."""
    models, errors = _check_all(directory, known_communes)
    if errors:
        raise PSTError(directory, errors)
    return models


def _write_new(target, text):
    """Written atomically, readable by the group as a shared PST file is (the umask decides)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    write_atomic(target, text, mode=0o666 & ~umask)


def new_pst(code, name=None, directory=DEFAULT_PST_DIR):
    """Write the commented template for commune `code` to `<directory>/<code>.yaml`, never over a file."""
    code = str(code).strip().upper()
    if not COMMUNE_CODE.fullmatch(code):
        raise InputError(None, f"{_show(code)} is not a commune code (5 characters, e.g. 93066)")
    if name is not None and (
        not str(name).strip()
        or len(str(name)) > MAX_LABEL
        or re.search(r"[\x00-\x1f\x7f]", str(name))
    ):
        raise InputError(None, f"{_show(name)} is not a commune name")
    name = " ".join(str(name).split()) if name is not None else None
    target = Path(directory) / f"{code}.yaml"
    if target.exists():
        raise InputError(target, "already exists: edit it, or remove it to start again")
    quoted = json.dumps  # a JSON string is a YAML double-quoted scalar
    values = {
        "title": f"{name} ({code})" if name else code,
        "code": quoted(code),
        "name": quoted(name, ensure_ascii=False) if name else "",
        "signatory": quoted(f"Ville de {name}" if name else f"Commune {code}", ensure_ascii=False),
    }
    text = re.sub(
        r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], TEMPLATE.read_text(encoding="utf-8")
    )
    try:
        _write_new(target, text)
    except OSError as exc:
        raise InputError(
            exc.filename or target, f"cannot write the PST file ({exc.strerror})"
        ) from None
    return target


# ---------------------------------------------------------------- command line


def cmd_check(args):
    directory = Path(args.pst) if args.pst else default_pst_directory(args.data)
    known = known_iris = None
    if args.dept:
        from indicators import load_territory
        from portrait.observations import iris_communes

        territory = load_territory(args.dept, args.data)
        known, known_iris = set(territory.communes["code"]), iris_communes(territory.iris_shapes())
    errors = check_directory(directory, known, known_iris)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 1
    print(f"{len(pst_files(directory))} fichier(s) PST valides dans {directory}")
    return 0


def cmd_new(args):
    directory = Path(args.pst) if args.pst else default_pst_directory(args.data)
    target = new_pst(args.commune, args.name, directory)
    print(f"{target} créé : complétez-le, puis vérifiez-le avec `portrait pst check`")
    return 0


def register(subparsers):
    """Add `pst check` and `pst new` to the `portrait` command's sub-commands."""
    parser = subparsers.add_parser(
        "pst", help="projets sociaux de territoire: check the files, start one from the template"
    )
    sub = parser.add_subparsers(dest="pst_command", required=True)
    where = "PST directory (default: ./pst, else pst/ in the data directory)"
    data = "data directory (default: $PORTRAIT_DATA, else ../shared/data)"

    p = sub.add_parser(
        "check", help="check every PST file and observations file; one line per error"
    )
    p.add_argument("--pst", metavar="DIR", help=where)
    p.add_argument(
        "--dept",
        help="also check that each commune and IRIS belongs to this département (reads the data, slow)",
    )
    p.add_argument("--data", metavar="DIR", help=data)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("new", help="write the commented template for one commune")
    p.add_argument("commune", metavar="COMMUNE", help="commune code, e.g. 93066")
    p.add_argument("--name", help="commune name, written in the file")
    p.add_argument("--pst", metavar="DIR", help=where)
    p.add_argument("--data", metavar="DIR", help=data)
    p.set_defaults(func=cmd_new)
    return parser
