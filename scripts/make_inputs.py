"""Regenerate the bundled workbooks in inputs/ from the code that defines them.

    python scripts/make_inputs.py

inputs/critical_minerals.xlsx comes from optimizer/example.py (public USGS figures, cited in its
Sources sheet); inputs/template.xlsx from optimizer/template.py. tests/test_inputs.py fails when
the committed files drift from the code.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.example import write_example
from optimizer.template import write_template

INPUTS = Path(__file__).resolve().parent.parent / "inputs"

if __name__ == "__main__":
    print(write_example(INPUTS / "critical_minerals.xlsx"))
    print(write_template(INPUTS / "template.xlsx"))
