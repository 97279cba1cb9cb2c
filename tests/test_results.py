"""The order of the results tables' rows (optimizer/results.py)."""

from __future__ import annotations

from optimizer import solve

from .conftest import data


def three_equal_suppliers():
    """Gallium 120 and germanium 30: suppliers "b", "a", "c" (in that order in the workbook)
    each sell 40 gallium at 10, so each sells all 40; "b" also sells germanium (30 at 5)."""
    return data(minerals=[{"mineral": "germanium", "demand": 30},
                          {"mineral": "gallium", "demand": 120}],
                suppliers=[{"supplier": s, "country": c}
                           for s, c in (("b", "Chile"), ("a", "Peru"), ("c", "Japan"))],
                offers=[{"supplier": s, "mineral": "gallium", "unit_cost": 10, "capacity": 40}
                        for s in ("b", "a", "c")]
                + [{"supplier": "b", "mineral": "germanium", "unit_cost": 5, "capacity": 30}],
                settings={"max_country_share": 1.0})


def test_allocations_come_by_mineral_then_quantity_then_supplier_name():
    """The workbook's mineral order first (germanium, then gallium), then the larger
    quantity, then the supplier's name: ties of 40 go a, b, c."""
    alloc = solve(three_equal_suppliers()).allocations
    assert list(zip(alloc["mineral"], alloc["supplier"], alloc["quantity"])) == [
        ("germanium", "b", 30.0), ("gallium", "a", 40.0), ("gallium", "b", 40.0),
        ("gallium", "c", 40.0)]


def test_flows_come_by_site_mineral_quantity_then_supplier_name():
    flows = solve(three_equal_suppliers()).flows
    assert list(zip(flows["mineral"], flows["supplier"])) == [
        ("gallium", "a"), ("gallium", "b"), ("gallium", "c"), ("germanium", "b")]
