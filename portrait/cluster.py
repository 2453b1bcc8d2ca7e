"""The per-commune tasks on a Dask distributed cluster instead of local processes.

The context loaded by the client (territory, boundaries, PST files, a few MB) is sent
once to every worker; each task then writes one commune's folder. Workers must therefore
run the same version of portrait and see the output directory at the same path (a shared
filesystem): files are renamed into place, so concurrent writers are safe.
"""

from contextlib import contextmanager

from geodata.errors import InputError


@contextmanager
def connect(address):
    """A client of the scheduler at `address`, or a one-line error naming it."""
    try:
        from distributed import Client
        from distributed.comm import get_address_host_port
    except ImportError:
        raise InputError(None, "--scheduler needs Dask distributed: pip install 'portrait[cluster]'") from None
    try:
        get_address_host_port(address)  # a bad scheme or port fails here, before a client exists
    except ValueError as exc:
        raise InputError(None, f"invalid Dask scheduler address '{address}' (expected e.g. tcp://10.0.0.5:8786): {exc}") from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(None, f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client


def describe(address):
    """'2 worker(s), 2 thread(s)': checked before the build loads anything, so a wrong address fails at once."""
    with connect(address) as client:
        threads = client.nthreads()
        return f"{len(threads)} worker(s), {sum(threads.values())} thread(s)"


def build_communes(address, context, codes):
    """Yield each commune's result, in the order of `codes`; closing the generator cancels the rest."""
    from portrait.pipeline import build_commune

    with connect(address) as client:
        shared = client.scatter(context, broadcast=True)
        futures = client.map(build_commune, [shared] * len(codes), codes, pure=False)
        try:
            for future in futures:
                yield future.result()
        finally:
            client.cancel(futures)
