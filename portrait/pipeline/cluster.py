"""The per-commune tasks on a Dask distributed cluster instead of local processes.

The context loaded by the client (territory, boundaries, PST files, a few MB) is sent
once to every worker; each task then writes one commune's folder. Workers must therefore
run the same code and libraries as the client, and see the output and PST directories
at the same paths (a shared filesystem): both are checked before the first task. Files are renamed
into place, so concurrent writers are safe. Dask is an optional dependency, imported when used.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from geodata.errors import InputError
from portrait.pipeline.commune import CommuneResult, build_commune
from portrait.pipeline.inputs import Context
from portrait.pipeline.records import code_fingerprint

if TYPE_CHECKING:
    from distributed import Client

WAIT_FOR_WORKERS = 10  # seconds


@contextmanager
def connect(address: str) -> Iterator[Client]:
    """A client of the scheduler at `address`, or a one-line error naming it."""
    try:
        from distributed import Client
        from distributed.comm import get_address_host_port, parse_address
    except ImportError:
        raise InputError(
            None, "--scheduler needs Dask distributed: pip install 'portrait[cluster]'"
        ) from None
    try:  # a bad address fails here, before a client exists (a half-built client hangs 20 s on exit)
        get_address_host_port(address)
        if parse_address(address)[0] != "tcp":
            raise ValueError("only tcp:// addresses are supported")
    except ValueError as exc:
        raise InputError(
            None,
            f"invalid Dask scheduler address '{address}' (expected e.g. tcp://10.0.0.5:8786): {exc}",
        ) from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise InputError(None, f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client


def describe(address: str) -> str:
    """'2 worker(s), 2 thread(s)': checked before the build loads anything, so a wrong address fails at once."""
    with connect(address) as client:
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
        except TimeoutError:
            raise InputError(
                None,
                f"no worker is connected to the Dask scheduler at {address} after {WAIT_FOR_WORKERS} s: "
                f"start some with `dask worker {address}`",
            ) from None
        threads = client.nthreads()
        return f"{len(threads)} worker(s), {sum(threads.values())} thread(s)"


def build_communes(address: str, context: Context, codes: list[str]) -> Iterator[CommuneResult]:
    """Yield each commune's result, in the order of `codes`; closing the generator cancels the rest."""
    from distributed.client import (
        FutureCancelledError,  # an optional dependency, imported when used
    )
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    with connect(address) as client:
        _check_workers(client, context, code_fingerprint())
        shared = client.scatter(context, broadcast=True)
        futures = client.map(build_commune, [shared] * len(codes), codes, pure=False)
        try:
            for code, future in zip(codes, futures):
                try:
                    yield future.result()
                except (KilledWorker, CommClosedError, FutureCancelledError) as exc:
                    raise InputError(
                        None,
                        f"the Dask cluster at {address} lost commune {code}: {type(exc).__name__}: {exc}",
                    ) from None
        finally:
            client.cancel(futures)


def _check_workers(client, context, fingerprint):
    """Every worker runs this build's code and libraries, and sees its output directory and PST files."""
    marker = Path(context.out) / f".portrait-cluster-{secrets.token_hex(8)}"
    marker.write_text("portrait", encoding="utf-8")
    try:
        seen = client.run(
            _worker_view,
            str(marker),
            sorted(map(str, [*context.pst_paths.values(), *context.observation_paths.values()])),
        )
    finally:
        marker.unlink(missing_ok=True)
    for worker, (code, sees_out, missing) in sorted(seen.items()):
        if code != fingerprint:
            raise InputError(
                None,
                f"the Dask worker {worker} runs other code or library versions than this build: restart the workers",
            )
        if not sees_out:
            raise InputError(
                context.out,
                f"the Dask worker {worker} does not see this output directory: workers need it at the same path (a shared filesystem)",
            )
        if missing:
            raise InputError(
                missing,
                f"the Dask worker {worker} does not see this PST file: workers need the PST directory at the same path",
            )


def _worker_view(marker, files):
    """Run on each worker: its code fingerprint, whether it sees the marker, and the first file it cannot see."""
    return (
        code_fingerprint(),
        Path(marker).is_file(),
        next((f for f in files if not Path(f).is_file()), None),
    )
