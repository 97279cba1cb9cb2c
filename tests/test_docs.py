"""The README stays in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from optimizer.schema import contract_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_contract_table_is_generated_from_the_schema():
    block = re.search(r"<!-- contract:start.*?-->\n(.*?)\n<!-- contract:end -->", README, re.S)
    assert block, "README lacks the contract block"
    assert block.group(1) == contract_markdown()


def test_ci_runs_the_readme_test_command():
    test_command = re.search(r"Run the tests:\n\n```bash\n(.*?)\n```", README, re.S).group(1)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_names_every_command():
    for command in ("solve", "validate", "template", "example", "compare", "sweep"):
        assert f"sourcing {command}" in README
