"""The benchmark: one command, every size, every stage, the two ratios of issue 7.

    python -m bench.run --sizes S M L XL                 # pure LPs (the ratio targets)
    python -m bench.run --sizes S M L --variants lp mip --repeat 3

The package's modules are compiled to bytecode first, as an installed package has them (see
:func:`compile_bytecode`). For each size and variant it generates the instance once
(bench/instances/, not committed), runs ``sourcing solve --write-model`` once to get the model
file, then ``--repeat`` times, interleaved so that load from other processes hits all three
alike:

1. ``sourcing solve WORKBOOK --json`` as a whole process: wall time, peak memory (ru_maxrss of
   that child), and the stage seconds it reports (read, build, solve, extract, write);
2. HiGHS alone (``python -m bench.highs_alone MODEL.mps``, a fresh process, no Pyomo): wall time
   and peak memory; ratio 1 = (1) / (2). For an LP also HiGHS alone solving it as the tool
   does, without presolve (``--presolve off``, optimizer.highs_direct.LP_PRESOLVE), and the
   ratio to that: the tool's overhead apart from the solver setting;
3. ``python -m bench.stages WORKBOOK``: Pyomo build + hand-over (``set_instance``) against the
   direct-highspy build of the same model (bench/direct.py), in one process; ratio 2.

Medians over the repeats go to ``bench/results/scaling.csv`` (one row per size and variant),
every run to ``bench/results/scaling-runs.csv``, the machine to
``bench/results/scaling-machine.json``, and a Markdown table to stdout (pasted into README.md
and bench/README.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
INSTANCES = ROOT / "bench" / "instances"


# Linux carries a process's peak RSS across exec, so a child forked from this (large) process
# would report at least this process's size: the child is started from a small launcher, whose
# own few MB are the floor of what is reported.
# The launcher times its child itself, so its own start-up is not in the wall time.
_LAUNCH = ("import os, sys, time\n"
           "started = time.perf_counter()\n"
           "pid = os.posix_spawn(sys.executable, [sys.executable, *sys.argv[2:]], os.environ)\n"
           "_, status, usage = os.wait4(pid, 0)\n"
           "wall = time.perf_counter() - started\n"
           "open(sys.argv[1], 'w').write(f'{wall!r} {usage.ru_maxrss}')\n"
           "sys.exit(os.waitstatus_to_exitcode(status))\n")


def run_process(args: list[str], cwd: Path | None = None,
                root: Path = ROOT) -> dict[str, object]:
    """Run ``python args...`` with the package of the checkout ``root``; return wall seconds,
    peak memory (MB), exit code and stdout."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as tmp:
        measured = Path(tmp) / "measured"
        proc = subprocess.run([sys.executable, "-c", _LAUNCH, str(measured), *args],
                              stdout=out, stderr=err, env=env, cwd=cwd)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        wall_text, peak_text = measured.read_text().split()
        wall, peak_kb = float(wall_text), int(peak_text)
    return {"wall": wall, "peak_mb": peak_kb / 1024, "code": proc.returncode,
            "stdout": stdout, "stderr": stderr}


def last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"no JSON object in output: {text[-500:]}")


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    import highspy
    import pandas
    import pyomo

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
    except OSError:
        mem_kb = 0
    h = highspy.Highs()
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "pyomo": pyomo.__version__,
            "highspy": h.version() if callable(getattr(h, "version", None)) else "",
            "pandas": pandas.__version__, "platform": platform.platform(),
            "load_average_at_start": os.getloadavg()}


def compile_bytecode(root: Path = ROOT, packages: tuple[str, ...] = ("optimizer", "bench")
                     ) -> None:
    """Compile the package's modules to bytecode (``__pycache__``, not committed), as
    ``pip install .`` does. The processes measured run the package from this checkout; where
    Python may not write bytecode (PYTHONDONTWRITEBYTECODE, set on the benchmark machine) each
    of them would otherwise compile the modules it imports from source, about 0.05-0.1 s that
    an installed ``sourcing`` does not spend. HiGHS alone's highspy and NumPy are installed,
    so compiled: like with like."""
    import compileall

    for package in packages:
        if not compileall.compile_dir(str(root / package), quiet=1):
            raise RuntimeError(f"cannot compile {root / package} to bytecode")


def instance(size: str, variant: str, seed: int) -> Path:
    """The generated workbook of (size, variant, seed) in bench/instances/, made if missing."""
    workbook = INSTANCES / f"{size}-{variant}-seed{seed}.xlsx"
    if not workbook.exists():
        INSTANCES.mkdir(parents=True, exist_ok=True)
        args = ["-m", "bench.generate", "--size", size, "--seed", str(seed), "-o",
                str(workbook)] + (["--lp"] if variant == "lp" else [])
        done = run_process(args)
        if done["code"]:
            raise RuntimeError(done["stderr"])
    return workbook


def highs_alone_as_solved(model: Path, variant: str, alone: dict) -> dict:
    """HiGHS alone solving ``model`` as ``sourcing solve`` does: an LP with the tool's presolve
    setting (optimizer.highs_direct.LP_PRESOLVE), a MIP with HiGHS's defaults, which is
    ``alone`` (that run) again."""
    if variant != "lp":
        return alone
    from optimizer.highs_direct import LP_PRESOLVE

    return run_process(["-m", "bench.highs_alone", str(model), "--presolve", LP_PRESOLVE])


def bench_one(size: str, variant: str, seed: int, repeat: int, work: Path) -> tuple[dict, list]:
    """Measure one instance; return (summary row, list of per-run rows)."""
    stem = f"{size}-{variant}-seed{seed}"
    workbook = instance(size, variant, seed)
    model = work / f"{stem}.mps"
    output = work / f"{stem}-plan.xlsx"
    first = run_process(["-m", "optimizer", "solve", str(workbook), "-o", str(output), "--json",
                         "--write-model", str(model)], cwd=work)
    if first["code"]:
        raise RuntimeError(f"{stem}: sourcing solve failed: {first['stderr'][-2000:]}")
    write_model_seconds = last_json(first["stdout"]).get("write_model_seconds")
    runs = []
    for k in range(repeat):
        e2e = run_process(["-m", "optimizer", "solve", str(workbook), "-o", str(output),
                           "--json"], cwd=work)
        alone = run_process(["-m", "bench.highs_alone", str(model)])
        same = highs_alone_as_solved(model, variant, alone)
        stages = run_process(["-m", "bench.stages", str(workbook)])
        for what, done in (("sourcing solve", e2e), ("highs_alone", alone),
                           ("highs_alone --presolve off", same), ("stages", stages)):
            if done["code"]:
                raise RuntimeError(f"{stem}: {what} failed: {done['stderr'][-2000:]}")
        summary, highs, st = last_json(e2e["stdout"]), last_json(alone["stdout"]), \
            last_json(stages["stdout"])
        pyomo_total = st["pyomo_build_seconds"] + st["handover_seconds"]
        runs.append({
            "size": size, "variant": variant, "seed": seed, "repeat": k,
            "e2e_seconds": e2e["wall"], "peak_mb": e2e["peak_mb"],
            **{key: summary.get(key) for key in (
                "read_seconds", "build_seconds", "solve_seconds", "extract_seconds",
                "write_seconds", "explain_seconds")},
            "write_model_seconds": write_model_seconds,
            "highs_alone_seconds": alone["wall"], "highs_alone_peak_mb": alone["peak_mb"],
            "highs_alone_read_seconds": highs["read_seconds"],
            "highs_alone_run_seconds": highs["run_seconds"],
            "ratio_e2e_to_highs": e2e["wall"] / alone["wall"],
            "highs_as_solved_seconds": same["wall"],
            "ratio_e2e_to_highs_as_solved": e2e["wall"] / same["wall"],
            "objective": summary.get("total_cost"), "highs_alone_objective": highs["objective"],
            "rows": st["rows"], "cols": st["cols"], "nonzeros": st["nonzeros"],
            "binaries": st["binaries"],
            "pyomo_build_seconds": st["pyomo_build_seconds"],
            "handover_seconds": st["handover_seconds"],
            "highs_run_seconds": st["highs_run_seconds"], "load_seconds": st["load_seconds"],
            "direct_build_seconds": st["direct_build_seconds"],
            "ratio_build_to_direct": pyomo_total / st["direct_build_seconds"],
            "same_model": st["same_model"], "load_average": os.getloadavg()[0],
        })
        print(f"  {stem} run {k + 1}/{repeat}: sourcing solve {e2e['wall']:.2f} s, "
              f"HiGHS alone {alone['wall']:.2f} s (x{runs[-1]['ratio_e2e_to_highs']:.1f}), "
              f"as solved {same['wall']:.2f} s "
              f"(x{runs[-1]['ratio_e2e_to_highs_as_solved']:.1f}); "
              f"Pyomo build+hand-over {pyomo_total:.2f} s, direct "
              f"{st['direct_build_seconds']:.2f} s (x{runs[-1]['ratio_build_to_direct']:.1f})",
              file=sys.stderr)
    row: dict[str, object] = {"size": size, "variant": variant, "seed": seed,
                              "repeats": repeat}
    from optimizer import read_workbook  # only for the count of offers

    row["offers"] = len(read_workbook(workbook).offers)
    for key, value in runs[0].items():
        if key in row or key == "repeat":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            row[key] = all(r[key] for r in runs) if isinstance(value, bool) else value
        else:
            row[key] = statistics.median(r[key] for r in runs)
    return row, runs


COLUMNS = ["size", "variant", "seed", "repeats", "offers", "rows", "cols", "nonzeros", "binaries",
           "e2e_seconds", "peak_mb", "read_seconds", "build_seconds", "solve_seconds",
           "extract_seconds", "write_seconds", "explain_seconds", "write_model_seconds",
           "highs_alone_seconds", "highs_alone_peak_mb", "highs_alone_read_seconds",
           "highs_alone_run_seconds", "ratio_e2e_to_highs", "highs_as_solved_seconds",
           "ratio_e2e_to_highs_as_solved", "pyomo_build_seconds",
           "handover_seconds", "highs_run_seconds", "load_seconds", "direct_build_seconds",
           "ratio_build_to_direct", "objective", "highs_alone_objective", "same_model",
           "load_average"]


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.4g}" if isinstance(v, float) else v)
                             for k, v in row.items()})


def markdown(rows: list[dict]) -> str:
    head = ("| size | offers | rows | cols | nonzeros | binaries | read | build | solve | "
            "extract+check | write | explain | end-to-end | peak MB | HiGHS alone | ratio | "
            "HiGHS alone as solved | ratio | Pyomo build+hand-over | direct build | ratio |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        def s(key: str) -> str:
            v = r.get(key)
            return "" if v is None else f"{v:.2f}"
        lines.append(
            f"| {r['size']}{' LP' if r['variant'] == 'lp' else ' MIP'} | {r['offers']:,} | "
            f"{r['rows']:,.0f} | {r['cols']:,.0f} | {r['nonzeros']:,.0f} | {r['binaries']:,.0f} | "
            f"{s('read_seconds')} | {s('build_seconds')} | {s('solve_seconds')} | "
            f"{s('extract_seconds')} | {s('write_seconds')} | {s('explain_seconds')} | "
            f"{s('e2e_seconds')} | {r['peak_mb']:.0f} | {s('highs_alone_seconds')} | "
            f"{r['ratio_e2e_to_highs']:.1f}x | {s('highs_as_solved_seconds')} | "
            f"{r['ratio_e2e_to_highs_as_solved']:.1f}x | "
            f"{r['pyomo_build_seconds'] + r['handover_seconds']:.2f} | "
            f"{s('direct_build_seconds')} | {r['ratio_build_to_direct']:.1f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["S", "M", "L", "XL"])
    parser.add_argument("--variants", nargs="+", default=["lp"], choices=["lp", "mip"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="folder for scaling.csv, scaling-runs.csv, scaling-machine.json")
    args = parser.parse_args(argv)
    compile_bytecode()
    info = machine()
    print(f"machine: {info}", file=sys.stderr)
    summary, runs = [], []
    with tempfile.TemporaryDirectory(prefix="sourcing-bench-") as work:
        for variant in args.variants:
            for size in args.sizes:
                row, each = bench_one(size, variant, args.seed, args.repeat, Path(work))
                summary.append(row)
                runs.extend(each)
    info["load_average_at_end"] = os.getloadavg()
    args.results.mkdir(parents=True, exist_ok=True)
    write_csv(args.results / "scaling.csv", summary, COLUMNS)
    write_csv(args.results / "scaling-runs.csv", runs, ["repeat" if c == "repeats" else c
                                                        for c in COLUMNS if c != "offers"])
    (args.results / "scaling-machine.json").write_text(json.dumps(info, indent=2) + "\n")
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
