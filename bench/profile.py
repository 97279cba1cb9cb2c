"""Where one whole ``sourcing solve`` spends its time: a pyinstrument profile, imports included.

    python -m bench.profile WORKBOOK [-o bench/results/profile-XL-lp.txt]

Runs the command in this process (``optimizer.cli.main``), the results workbook going to a
temporary folder, and prints pyinstrument's call tree (1 ms samples). The profiler adds about a
third to the run time and inflates code with many small calls the most: confirm a finding with
a timer before acting on it. Needs pyinstrument (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def profile(workbook: Path) -> str:
    """The call tree of ``sourcing solve WORKBOOK`` as text."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("bench.profile needs pyinstrument: pip install -e \".[bench]\"") from None
    with tempfile.TemporaryDirectory(prefix="sourcing-profile-") as tmp:
        profiler = Profiler(interval=0.001)
        profiler.start()
        from optimizer import cli  # imported under the profiler: the imports are part of a run

        try:
            cli.main(["solve", str(workbook), "-o", str(Path(tmp) / "plan.xlsx"), "--json"],
                     prog_name="sourcing")
        except SystemExit as exc:
            if exc.code:
                raise
        finally:
            profiler.stop()
    return profiler.output_text(unicode=False, show_all=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="write the tree here, not to stdout")
    args = parser.parse_args(argv)
    text = profile(args.workbook)
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
