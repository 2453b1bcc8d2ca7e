"""The build, one module per step of its route:

- records: every key and record file that decides a rebuild (standard library only);
- inputs: the Context every worker receives, and the loaders of the data, PST and observation files;
- commune: one commune's (or group's) folder;
- departement: the département's pages, written after the communes;
- run: the build itself, its processes, the groups and the summary;
- cluster: the communes handed to a Dask distributed cluster.

Nothing is imported here eagerly: `portrait.pipeline.records` must load without pandas, so the names
below are imported from their module on first use (`from portrait.pipeline import build` works).
"""

import importlib

_EXPORTS = {
    "build": "run",
    "build_request": "run",
    "BuildReport": "run",
    "Context": "inputs",
    "load_inputs": "inputs",
    "build_commune": "commune",
    "commune_csv": "commune",
    "CSV_COLUMNS": "commune",
    "COMMUNE_RECORD": "records",
    "code_fingerprint": "records",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'portrait.pipeline' has no attribute '{name}'")
    return getattr(importlib.import_module(f"portrait.pipeline.{_EXPORTS[name]}"), name)
