"""One hand-edited file per commune, named after its code: what PST and observations files share.

The base schema (`commune` must match the file name), the context it is checked with, the
listing of a directory's files and the error listing every one-line error of a file or a
directory. Kept apart from reports.pstfiles.pst so that the observations can build on it while
the PST directory check builds on the observations.
"""

from collections.abc import Callable, Collection
from pathlib import Path

from pydantic import BaseModel, field_validator

from geodata.errors import InputError
from reports.pstfiles.fields import COMMUNE_CODE, StrictModel
from reports.pstfiles.yamlreader import show_value

__all__ = ["CommuneFile", "PSTError", "check_files", "commune_context", "pst_files"]


class PSTError(InputError):
    """A PST file that does not load: `errors` holds every one-line error, `str()` the first."""

    def __init__(self, path: str | Path, errors: list[str]):
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(None, errors[0] + more)
        self.path = str(path)
        self.errors = errors


class CommuneFile(StrictModel):
    """A file about one commune, named after its code: `commune` must match the file name."""

    commune: str

    @field_validator("commune", mode="before")
    @classmethod
    def _known_commune(cls, value, info):
        if not isinstance(value, str) or not COMMUNE_CODE.fullmatch(value):
            raise ValueError(
                f"{show_value(value)} is not a commune code (5 characters, e.g. '93066')"
            )
        context = info.context or {}
        if context.get("stem") and value != context["stem"]:
            raise ValueError(f"'{value}' does not match the file name {context['stem']}.yaml")
        known = context.get("known_communes")
        if known is not None and value not in known:
            raise ValueError(f"unknown commune code '{value}'")
        return value


def commune_context(path: str | Path, known_communes: Collection[str] | None = None) -> dict:
    """What the `commune` validator needs: the file name it must match, the communes it may be."""
    return {
        "stem": Path(path).stem,
        "known_communes": None if known_communes is None else set(known_communes),
    }


def pst_files(directory: str | Path) -> list[Path]:
    """The YAML files of `directory` (.yaml or .yml, hidden files left out), in name order."""
    return sorted(
        p
        for p in Path(directory).iterdir()
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file()
    )


def check_files(
    directory: str | Path,
    check: Callable[[Path], tuple[BaseModel | None, list[str]]],
    kind: str = "a PST file",
) -> tuple[dict[str, BaseModel | None], list[str]]:
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
