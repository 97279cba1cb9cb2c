"""HiGHS alone: a fresh process reads a model file with highspy and solves it, no Pyomo.

    python -m bench.highs_alone MODEL.mps [--mip-gap G] [--presolve off]   # one JSON object

This is the floor issue 7 measures everything against: ``bench/run.py`` times this whole process
(start-up, ``import highspy``, ``readModel``, ``run``) next to the whole ``sourcing solve``.
With HiGHS's defaults it is the issue's "HiGHS alone"; ``--presolve off`` solves an LP as
``sourcing solve`` does (optimizer.highs_direct.LP_PRESOLVE), which shows the tool's own
overhead apart from that setting.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    import argparse

    import highspy

    parser = argparse.ArgumentParser(prog="python -m bench.highs_alone")
    parser.add_argument("model")
    parser.add_argument("--mip-gap", type=float, default=1e-4)  # the Settings default
    parser.add_argument("--presolve", choices=["choose", "on", "off"],
                        help="HiGHS's presolve option [default: HiGHS's own, choose]")
    args = parser.parse_args(argv)
    imported = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", args.mip_gap)
    if args.presolve:
        h.setOptionValue("presolve", args.presolve)
    h.readModel(args.model)
    read = time.perf_counter()
    h.run()
    done = time.perf_counter()
    info = h.getInfo()
    print(json.dumps({"import_seconds": imported - started, "read_seconds": read - imported,
                      "run_seconds": done - read, "status": h.modelStatusToString(
                          h.getModelStatus()), "objective": info.objective_function_value}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
