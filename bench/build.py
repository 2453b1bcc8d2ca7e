"""Benchmark of the build: cold, warm, after one PST change, and a per-commune papermill reference.

    python bench/build.py [--dept 93] [--jobs 2 | --scheduler tcp://HOST:PORT] [--reference-communes 2] [--data DIR]

Prints wall times, time per stage, time per commune and peak memory (all processes),
then the same per-commune figure for the plain approach: one parameterised notebook
per commune run with papermill and exported with nbconvert, drawing the same maps.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "reference.ipynb"


def child(args):
    """Runs inside the measured process: one build as `portrait build` runs it (the up-to-date check
    before the rendering stack is imported), then its report as JSON on the last line."""
    sys.path.insert(0, str(ROOT))
    from portrait.pipeline import records

    wanted = records.request(args.dept)
    key, fresh = records.already_built(wanted, args.out, args.data, args.pst)
    if fresh:
        print(
            json.dumps(
                {
                    "stages": {},
                    "totals": {},
                    "communes": fresh.portraits,
                    "rebuilt": 0,
                    "per_commune": [],
                    "pdf_sizes": [],
                }
            )
        )
        return
    from portrait.pipeline.run import build_request

    report = build_request(
        wanted,
        args.out,
        data_dir=args.data,
        jobs=args.jobs,
        pst_dir=args.pst,
        log=lambda *_: None,
        key=key,
        scheduler=args.scheduler,
    )
    rebuilt = [r for r in report.results if not r.skipped]
    pdfs = [size for r in rebuilt for name, size in r.written.items() if name.endswith(".pdf")]
    print(
        json.dumps(
            {
                "stages": report.stages,
                "totals": report.stage_totals(),
                "communes": len(report.results),
                "rebuilt": len(rebuilt),
                "per_commune": [r.seconds for r in rebuilt],
                "pdf_sizes": pdfs,
                "wall": report.wall,
            }
        )
    )


class PeakMemory:
    """Samples the memory of a process and its children: PSS, which counts a page shared by forked
    workers once, split between them (a sum of RSS would count it once per process)."""

    def __init__(self, pid, also=()):
        self.roots, self.peak, self.running = [psutil.Process(pid), *also], 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            try:
                procs = [q for root in self.roots for q in (root, *root.children(recursive=True))]
                self.peak = max(
                    self.peak, sum(p.memory_full_info().pss for p in procs if p.is_running())
                )
            except psutil.Error:
                pass
            time.sleep(
                0.5
            )  # reading PSS costs a few ms per process: sampled often, it would slow the build

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def local_dask_workers():
    """`dask worker` processes of this machine, whose memory counts too (those of other machines cannot be read)."""
    return [
        p
        for p in psutil.process_iter(["cmdline"])
        if "worker" in (p.info["cmdline"] or []) and any("dask" in a for a in p.info["cmdline"][:2])
    ]


def measured_build(args, out, pst, env):
    command = [
        sys.executable,
        __file__,
        "--child",
        "--dept",
        args.dept,
        "--jobs",
        str(args.jobs),
        "--out",
        str(out),
        "--pst",
        str(pst),
    ]
    if args.data:
        command += ["--data", args.data]
    if args.scheduler:
        command += ["--scheduler", args.scheduler]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    memory = PeakMemory(process.pid, local_dask_workers() if args.scheduler else ())
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode:
        sys.exit(
            f"build failed: {stderr.strip().splitlines()[-1] if stderr.strip() else process.returncode}"
        )
    report = json.loads(stdout.strip().splitlines()[-1])
    return wall, peak, report


def reference(args, communes, workdir, env):
    """The plain approach: papermill runs the notebook once per commune, nbconvert exports it."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    times = []
    os.environ.update(env)
    for code in communes:
        started = time.perf_counter()
        executed = workdir / f"reference-{code}.ipynb"
        papermill.execute_notebook(
            str(REFERENCE),
            str(executed),
            parameters={"code": code, "data_dir": args.data},
            progress_bar=False,
            cwd=str(ROOT),
        )
        html, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
        (workdir / f"reference-{code}.html").write_text(html, encoding="utf-8")
        times.append(time.perf_counter() - started)
    return times


def show(title, wall, peak, report, communes):
    print(f"\n{title}")
    print(
        f"  wall time               {wall:7.1f} s   ({report['rebuilt']} of {report['communes']} communes rebuilt)"
    )
    if report["rebuilt"]:
        print(f"  per commune (wall)      {wall / report['rebuilt']:7.2f} s")
        print(f"  per commune (one proc.) {sum(report['per_commune']) / report['rebuilt']:7.2f} s")
    print(f"  peak memory (PSS, all)  {peak / 2**20:7.0f} MiB")
    stages = dict(report["stages"])
    stages.update({f"  {k} (sum)": v for k, v in sorted(report["totals"].items())})
    for stage, seconds in stages.items():
        print(f"  {stage:<24}{seconds:7.2f} s")
    if report["pdf_sizes"]:
        sizes = report["pdf_sizes"]
        print(
            f"  PDF size                {min(sizes) / 1e3:.0f}–{max(sizes) / 1e3:.0f} ko (mean {sum(sizes) / len(sizes) / 1e3:.0f} ko)"
        )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dept", default="93")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--data")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="build on this Dask scheduler instead of --jobs local processes "
        "(peak memory then counts the client and the `dask worker` processes of this machine)",
    )
    parser.add_argument(
        "--reference-communes", type=int, default=2, help="communes run with papermill (0 to skip)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--pst", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    workdir = Path(tempfile.mkdtemp(prefix="portrait-bench-"))
    env = {**os.environ, "PORTRAIT_CACHE": str(workdir / "cache"), "MPLBACKEND": "Agg"}
    pst = workdir / "pst"
    shutil.copytree(ROOT / "examples" / "pst", pst)
    out = workdir / "site"
    how = f"--scheduler {args.scheduler}" if args.scheduler else f"--jobs {args.jobs}"
    print(
        f"Benchmark of `portrait build --dept {args.dept} {how}` ({os.cpu_count()} cores), in {workdir}"
    )

    cold = measured_build(args, out, pst, env)
    show("Cold build (empty cache, empty output)", *cold, None)
    warm = measured_build(args, out, pst, env)
    show("Warm rebuild (nothing changed)", *warm, None)
    changed = next(iter(sorted(pst.glob("*.yaml"))))
    text = changed.read_text(
        encoding="utf-8"
    )  # a project finished: its card, the timeline and the tables change
    changed.write_text(text.replace("status: en cours", "status: terminé", 1), encoding="utf-8")
    one = measured_build(args, out, pst, env)
    show(f"Rebuild after one PST file changed ({changed.name})", *one, None)

    if args.reference_communes:
        communes = [p.name.split("-")[0] for p in sorted(out.glob("[0-9]*-*"))][
            : args.reference_communes
        ]
        ref_env = {"PORTRAIT_CACHE": "off", "MPLBACKEND": "Agg"}
        times = reference(args, communes, workdir, ref_env)
        ours = cold[0] / max(cold[2]["rebuilt"], 1)
        per = sum(times) / len(times)
        print(
            f"\nReference: papermill + nbconvert, one notebook per commune ({len(times)} communes)"
        )
        print(f"  per commune             {per:7.2f} s   (HTML and maps only, no PDF)")
        print(
            f"  portrait, per commune   {ours:7.2f} s   (cold build wall time / communes, HTML + PDF + CSV)"
        )
        print(f"  speed-up                {per / ours:7.1f} ×")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
