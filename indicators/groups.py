"""Groups of communes (the EPT of a département, or any declared grouping) as territories of their own.

A group's values come from the publisher's row for it when one exists (the Filosofi
EPT files), else from its communes with the same rules as a département: counts
summed, rates from counts or re-weighted, medians never aggregated.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from geodata.cog import code_mapping
from geodata.errors import InputError
from indicators.compute import Territories
from indicators.derived import derived_rows
from indicators.readers import shown
from indicators.territory import COLUMNS, Territory, formula_records, with_ranks

__all__ = [
    "DEFAULT_GROUPS",
    "GROUP_CODE",
    "Group",
    "GroupTerritories",
    "GroupTerritory",
    "group_territory",
    "load_groups",
]

DEFAULT_GROUPS = Path(__file__).parent / "data" / "groups.yaml"


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    members: tuple  # commune codes on the target map


class GroupTerritories(Territories):
    """One group: its official row ("ept" level of the sources) or the aggregate of its communes."""

    def __init__(self, dept: str, group: Group, tables: dict) -> None:
        super().__init__(dept, group.members, tables)
        self.group = group

    def levels(self) -> list[tuple[str, str]]:
        return [("ept", self.group.code)]


@dataclass
class GroupTerritory(Territory):
    """A département's groups of communes as the "communes" of a Territory, so that portraits, ranks
    and references work unchanged; what only a group has is declared here, complete on construction.

    `base` is the département's own Territory (its communes draw the maps and make the references),
    `members_of` the communes of each group, by group code."""

    base: Territory = field(kw_only=True)
    members_of: dict[str, tuple[str, ...]] = field(kw_only=True)

    def members(self, code: str) -> tuple[str, ...]:
        """The communes a group's portrait covers (a code that is no group covers itself)."""
        return tuple(self.members_of.get(code, (code,)))


GROUP_CODE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9_]{0,31}"
)  # a SIREN (200057867) or a short code: it names a folder


def _read_groups(path):
    """[(file line, entry)] of a groups file, YAML or CSV. Codes are read as written: YAML would take 0123
    for an octal number and lose its zero, so entries are built from the parsed text, not its values."""
    text = Path(path).read_text(encoding="utf-8-sig")
    if Path(path).suffix.lower() == ".csv":
        reader = csv.DictReader(
            io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ","
        )
        return [
            (
                reader.line_num,
                {
                    "code": r.get("code"),
                    "name": r.get("name"),
                    "members": re.split(r"[\s,;]+", (r.get("members") or "").strip()),
                },
            )
            for r in reader
        ]
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise InputError(
            path, "a groups file is a list of groups (- code: …, name: …, members: [communes])"
        )
    return [(item.start_mark.line + 1, _entry(item)) for item in root.value]


def _entry(node):
    """A group's mapping with its scalars as text; members a list of texts, or None when they are not one."""
    if not isinstance(node, yaml.MappingNode):
        return None
    entry = {}
    for key, value in node.value:
        if key.value == "members":
            scalars = isinstance(value, yaml.SequenceNode) and all(
                isinstance(m, yaml.ScalarNode) for m in value.value
            )
            entry["members"] = [m.value for m in value.value] if scalars else None
        elif isinstance(value, yaml.ScalarNode):
            entry[key.value] = value.value
    return entry


def load_groups(territory: Territory, path: str | Path | None = None) -> list[Group]:
    """The groups of a département's communes, mapped onto its commune map; unknown members are errors."""
    path = Path(path) if path else DEFAULT_GROUPS
    try:
        raw = _read_groups(path)
    except (OSError, yaml.YAMLError, csv.Error, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read groups file ({str(exc).splitlines()[0]})") from None
    mapping = code_mapping(territory.events)
    known = set(territory.communes["code"])
    groups, seen = [], {}
    for n, entry in raw:
        if (
            not isinstance(entry, dict)
            or not entry.get("code")
            or not entry.get("name")
            or not entry.get("members")
        ):
            raise InputError(
                path,
                f"line {n}: a group needs a code, a name and members (a list of commune codes)",
            )
        code = str(entry["code"])
        if not GROUP_CODE.fullmatch(code):
            raise InputError(
                path,
                f"line {n}: group code {shown(code)!r} is not a code (letters, digits and _, e.g. the SIREN 200057867)",
            )
        if code in known or code in seen:
            what = (
                f"the code of the commune {territory.name_of(code)}"
                if code in known
                else f"already the code of the group on line {seen[code]}"
            )
            raise InputError(
                path, f"line {n}: group code {code} is {what}: each group needs a code of its own"
            )
        seen[code] = n
        members = tuple(dict.fromkeys(mapping.get(str(m), str(m)) for m in entry["members"]))
        unknown = [m for m in members if m not in known]
        if len(unknown) == len(members):
            territory.warnings.append(
                f"{path}: line {n}: group {code} left out, none of its communes is in département {territory.dept}"
            )
            continue
        if unknown:
            raise InputError(
                path,
                f"line {n}: group {code}: unknown commune {unknown[0]} in département {territory.dept}",
            )
        groups.append(Group(code, str(entry["name"]), members))
    return groups


def group_territory(territory: Territory, groups: list[Group]) -> GroupTerritory:
    """The groups of `territory` as a GroupTerritory, their values computed as a département's are."""
    frames = []
    for group in groups:
        records = formula_records(
            territory.catalogue, GroupTerritories(territory.dept, group, territory.tables)
        )
        records = records[records["level"] == "ept"]
        frames.append(
            records.assign(
                code=group.code, level="commune", note="", old_perimeter_value=float("nan")
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = pd.concat([frame, derived_rows(territory.catalogue, frame)], ignore_index=True)
    names = {g.code: g.name for g in groups}
    frame["name"] = frame["code"].map(names)
    references = territory.table[territory.table["level"] != "commune"]
    frame = with_ranks(pd.concat([frame, references], ignore_index=True), territory.catalogue)
    frame = frame[COLUMNS].reset_index(drop=True)
    communes = pd.DataFrame({"code": [g.code for g in groups], "name": [g.name for g in groups]})
    return GroupTerritory(
        territory.dept,
        territory.name,
        territory.region,
        territory.region_name,
        communes,
        frame,
        territory.catalogue,
        territory.tables,
        {},
        territory.events,
        territory.data_dir,
        territory.warnings,
        territory.fingerprint,
        base=territory,
        members_of={g.code: g.members for g in groups},
    )
