"""bench/generate.py makes contract-valid workbooks; bench/direct.py builds the same model.

Only the smallest size runs here (the benchmarks themselves are run by hand: bench/README.md).
"""

from __future__ import annotations

import pandas as pd
import pytest

from bench.direct import build_highs
from bench.generate import generate, write
from optimizer import read_workbook, solve


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The S instance (MIP variant), written and read back through the workbook contract."""
    path = write(generate("S", seed=3), tmp_path_factory.mktemp("bench") / "S.xlsx")
    return read_workbook(path)


def test_small_instance_is_a_valid_workbook_that_solves(small):
    assert len(small.offers) >= 80 and len(small.projects) > 0 and len(small.budgets) > 0
    result = solve(small, marginals=False, cost_without_caps=False)
    assert result.status == "optimal"
    assert (result.country_shares["binding"] == "yes").any()  # the caps are meant to bind


def test_same_seed_gives_the_same_instance_and_another_seed_another():
    one, again, other = generate("S", seed=5), generate("S", seed=5), generate("S", seed=6)
    pd.testing.assert_frame_equal(one["Offers"], again["Offers"])
    assert not one["Offers"].equals(other["Offers"])


def test_lp_variant_has_nothing_that_needs_a_binary():
    sheets = generate("S", seed=1, lp=True)
    assert "min_order" not in sheets["Offers"] and "fixed_cost" not in sheets["Offers"]
    assert sheets["Projects"].empty and sheets["Budgets"].empty


def test_direct_highspy_build_is_the_same_model_as_pyomo(small):
    """The yardstick of issue 7 holds the arrays the Pyomo model is handed over as."""
    from bench.stages import same_model
    from optimizer.highs_direct import to_highs
    from optimizer.model import build_model

    assert same_model(build_highs(small), to_highs(build_model(small))[0])
