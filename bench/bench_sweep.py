"""How long a 50-point sweep of the bundled example takes: rebuild vs re-use vs parallel.

    PYTHONPATH=. python bench/bench_sweep.py [--points 50] [--repeats 3] [--workers N]
    PYTHONPATH=. python bench/bench_sweep.py --size M --lp --points 10 --low 0.5

The sweep sets max_country_share to ``--points`` values from 1.0 down to ``--low`` (0.3: the
"cost of resilience" curve of the bundled example), plus the base. ``--size`` sweeps a seeded
instance of bench/generate.py instead (``--lp``: its pure-LP variant). Modes:

- serial-rebuild: one process, every point's model built anew (``reuse=False``);
- serial-reuse:   one process, the built model updated in place and re-solved
                  (:class:`optimizer.reuse.ModelCache`);
- parallel:       ``--workers`` spawned processes (default: the cores), re-use in each.

Wall times include applying and validating the changes, solving, the independent check and
the result tables (everything :func:`optimizer.run_sweep` does), not writing the workbook.
Prints a Markdown table of the median of ``--repeats`` runs; all modes must give the same costs.
Not run by CI.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time


def main() -> None:
    from optimizer.example import example_data
    from optimizer.study import default_workers, run_sweep

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--low", type=float, default=0.3, help="tightest cap of the sweep")
    parser.add_argument("--size", help="a bench/generate.py size (S, M, L, XL) instead of the "
                                       "bundled example")
    parser.add_argument("--lp", action="store_true", help="the generated instance as a pure LP")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    if args.size:
        from bench.generate import generate
        from optimizer import SourcingData

        data = SourcingData.from_sheets(generate(args.size, args.seed, args.lp))
        name = f"generated {args.size}{' LP' if args.lp else ''} instance (seed {args.seed}, " \
               f"{len(data.offers)} offers)"
    else:
        data = example_data()
        name = "bundled example"
    caps = [round(1.0 - (1.0 - args.low) * i / (args.points - 1), 6)
            for i in range(args.points)]
    grid = {"max_country_share": caps}
    modes = {
        "serial-rebuild": dict(workers=1, reuse=False),
        "serial-reuse": dict(workers=1, reuse=True),
        f"parallel ({args.workers} processes)": dict(workers=args.workers, reuse=True),
    }
    times: dict[str, list[float]] = {m: [] for m in modes}
    costs: dict[str, list] = {}
    reused: dict[str, int] = {}
    for _ in range(args.repeats):
        for mode, options in modes.items():
            started = time.perf_counter()
            study = run_sweep(data, grid, **options)
            times[mode].append(time.perf_counter() - started)
            costs[mode] = study.comparison["total_cost"].round(2).tolist()
            reused[mode] = study.reused
    reference = costs["serial-rebuild"]
    for mode, found in costs.items():
        assert found == reference, f"{mode} gave other costs than serial-rebuild"
    feasible = sum(c == c and c is not None for c in reference)
    print(f"{args.points}-point max_country_share sweep 1..{args.low:g} of the {name} (+ base), "
          f"{feasible} points with a plan; median of {args.repeats} runs; "
          f"{platform.python_version()}, {default_workers()} cores")
    print()
    print("| mode | wall time (s) | per point (s) | models re-used |")
    print("|---|---|---|---|")
    for mode in modes:
        median = statistics.median(times[mode])
        print(f"| {mode} | {median:.1f} | {median / (args.points + 1):.3f} | "
              f"{reused[mode]} of {args.points + 1} |")


if __name__ == "__main__":  # spawned worker processes import this file too
    main()
