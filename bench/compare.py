"""Two versions of the code timed in turn on one instance: is a change faster end to end?

    git worktree add /tmp/before COMMIT          # the version to compare with
    python -m bench.compare /tmp/before --size XL --runs 8

This machine's timings drift by 10-30 % over minutes, more than most changes gain, so two
benchmark runs made one after the other can mislead. Here each round runs, one after another,
``sourcing solve`` from the other checkout and from this one (in turn first), and HiGHS alone
on the model's MPS (written once, by this checkout's ``--write-model``): a slow moment slows
all three. Each process is timed as in :mod:`bench.run` (a small launcher, both checkouts compiled
to bytecode first). Prints the medians and, for each version, the median of its round-by-round
ratio to HiGHS alone: the issue 7 ratio with the drift taken out; for an LP also the ratio to
HiGHS alone solving it as the tool does (no presolve). ``--csv PATH`` keeps every
round. ``--write-model`` times the runs with ``--write-model`` too, as a harness that takes the
model for HiGHS alone from the timed run itself would.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
from pathlib import Path

from bench.run import compile_bytecode, highs_alone_as_solved, instance, run_process


def compare(before: Path, size: str, variant: str, runs: int, seed: int = 1,
            write_model: bool = False) -> list[dict]:
    """Rounds of (before, after, HiGHS alone) wall seconds on the generated instance; with
    ``write_model`` the timed runs also write the model file."""
    workbook = instance(size, variant, seed)
    compile_bytecode()
    compile_bytecode(before, ("optimizer",))
    rounds = []
    with tempfile.TemporaryDirectory(prefix="sourcing-compare-") as tmp:
        work = Path(tmp)
        model, output = work / "model.mps", work / "plan.xlsx"
        first = run_process(["-m", "optimizer", "solve", str(workbook), "-o", str(output),
                             "--write-model", str(model)], cwd=work)
        if first["code"]:
            raise RuntimeError(first["stderr"][-2000:])
        solve = ["-m", "optimizer", "solve", str(workbook), "-o", str(output), "--json"]
        written = ["--write-model", str(work / "timed.mps")] if write_model else []
        for k in range(runs):
            # which version goes first alternates: on this machine the second of two runs
            # in a row was often the slower (either version, 6 pairs each way)
            if k % 2:
                new = run_process(solve + written, cwd=work)
                old = run_process(solve + written, cwd=work, root=before)
            else:
                old = run_process(solve + written, cwd=work, root=before)
                new = run_process(solve + written, cwd=work)
            alone = run_process(["-m", "bench.highs_alone", str(model)])
            same = highs_alone_as_solved(model, variant, alone)
            for what, done in (("before", old), ("after", new), ("HiGHS alone", alone),
                               ("HiGHS alone --presolve off", same)):
                if done["code"]:
                    raise RuntimeError(f"{what} failed: {done['stderr'][-2000:]}")
            rounds.append({"round": k, "before_seconds": old["wall"],
                           "after_seconds": new["wall"], "highs_alone_seconds": alone["wall"],
                           "highs_as_solved_seconds": same["wall"]})
            print(f"  round {k + 1}/{runs}: before {old['wall']:.2f} s, after {new['wall']:.2f} "
                  f"s, HiGHS alone {alone['wall']:.2f} s (as solved {same['wall']:.2f} s)",
                  file=sys.stderr)
    return rounds


def summary(rounds: list[dict]) -> str:
    """Medians, and each version's median round-by-round ratio to HiGHS alone."""
    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    def ratio(key: str, alone: str = "highs_alone_seconds") -> float:
        return statistics.median(r[key] / r[alone] for r in rounds)

    as_solved = "highs_as_solved_seconds"
    return (f"before {median('before_seconds'):.3f} s ({ratio('before_seconds'):.2f}x HiGHS "
            f"alone), after {median('after_seconds'):.3f} s ({ratio('after_seconds'):.2f}x), "
            f"HiGHS alone {median('highs_alone_seconds'):.3f} s; as solved (bench.run's "
            f"highs_alone_as_solved) {median(as_solved):.3f} s, before "
            f"{ratio('before_seconds', as_solved):.2f}x, after "
            f"{ratio('after_seconds', as_solved):.2f}x; medians of {len(rounds)} rounds")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="checkout of the version to compare with")
    parser.add_argument("--size", default="XL", choices=["S", "M", "L", "XL"])
    parser.add_argument("--variant", default="lp", choices=["lp", "mip"])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--csv", type=Path, help="write every round here")
    parser.add_argument("--write-model", action="store_true",
                        help="time the runs with --write-model as well")
    args = parser.parse_args(argv)
    if not (args.before / "optimizer" / "__init__.py").exists():
        parser.error(f"{args.before} is not a checkout of this project (no optimizer/)")
    rounds = compare(args.before.resolve(), args.size, args.variant, args.runs,
                     write_model=args.write_model)
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rounds[0]))
            writer.writeheader()
            writer.writerows(rounds)
    flag = " --write-model" if args.write_model else ""
    print(f"{args.size} {args.variant}{flag}: {summary(rounds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
