"""Sites, lanes, tariffs, supplier-wide limits and currencies, each deciding a tiny optimum."""

from __future__ import annotations

import pytest

from optimizer import InputError, solve
from optimizer.model import build_model

from .conftest import data

TEXAS = [{"site": "Texas", "country": "United States"}]
TWO = [{"supplier": "A", "country": "China"}, {"supplier": "B", "country": "Japan"}]


def offers(*rows):
    return [{"supplier": s, "mineral": m, "unit_cost": c, "capacity": q} for s, m, c, q in rows]


def test_missing_lane_forces_the_dearer_supplier():
    """Only B has a lane to Texas (transport 1): 100 * (15 + 1) = 1600, though A sells at 10."""
    d = data(minerals=[{"mineral": "gallium"}], suppliers=TWO,
             offers=offers(("A", "gallium", 10, 500), ("B", "gallium", 15, 500)),
             sites=TEXAS, demand=[{"site": "Texas", "mineral": "gallium", "demand": 100}],
             lanes=[{"supplier": "B", "site": "Texas", "transport_cost": 1}])
    r = solve(d)
    assert r.total_cost == pytest.approx(1600)
    assert r.transport_cost == pytest.approx(100)
    assert r.flows.to_dict("records") == [
        {"supplier": "B", "site": "Texas", "mineral": "gallium", "quantity": 100.0}]


def test_with_the_lane_the_cheaper_supplier_wins():
    """A lane A -> Texas at 2: 100 * (10 + 2) = 1200 < 1600."""
    d = data(minerals=[{"mineral": "gallium"}], suppliers=TWO,
             offers=offers(("A", "gallium", 10, 500), ("B", "gallium", 15, 500)),
             sites=TEXAS, demand=[{"site": "Texas", "mineral": "gallium", "demand": 100}],
             lanes=[{"supplier": "B", "site": "Texas", "transport_cost": 1},
                    {"supplier": "A", "site": "Texas", "transport_cost": 2}])
    assert solve(d).total_cost == pytest.approx(1200)


def test_tariff_flips_the_choice_between_two_origins():
    """China 10 + 25 % tariff = 12.5 landed > Japan 11: buy Japan, 100 * 11 = 1100."""
    common = dict(minerals=[{"mineral": "gallium"}], suppliers=TWO,
                  offers=offers(("A", "gallium", 10, 500), ("B", "gallium", 11, 500)),
                  sites=TEXAS, demand=[{"site": "Texas", "mineral": "gallium", "demand": 100}])
    assert solve(data(**common)).total_cost == pytest.approx(1000)
    r = solve(data(**common, tariffs=[{"origin": "China", "destination": "United States",
                                       "mineral": "gallium", "rate": "25%"}]))
    assert r.total_cost == pytest.approx(1100)
    assert r.allocations.loc[0, "supplier"] == "B"


def test_tariff_is_paid_when_still_cheapest():
    """China 10 + 5 % = 10.5 < 11: 100 * 10.5 = 1050, of which tariff 50."""
    r = solve(data(minerals=[{"mineral": "gallium"}], suppliers=TWO,
                   offers=offers(("A", "gallium", 10, 500), ("B", "gallium", 11, 500)),
                   sites=TEXAS, demand=[{"site": "Texas", "mineral": "gallium", "demand": 100}],
                   tariffs=[{"origin": "China", "destination": "United States",
                             "rate": 0.05}]))
    assert (r.total_cost, r.tariff_cost) == (pytest.approx(1050), pytest.approx(50))
    row = r.allocations.iloc[0]
    assert (row["tariff_cost"], row["landed_unit_cost"]) == (pytest.approx(0.5),
                                                             pytest.approx(10.5))


def test_supplier_capacity_binds_across_two_minerals():
    """A sells gallium at 10 and germanium at 20 but 120 in all; B sells both at 30.
    Demand 80 each. Gallium from A saves 20/unit, germanium 10/unit, so A's 120 go to
    80 gallium + 40 germanium: 800 + 800 + 40 * 30 = 2800."""
    d = data(minerals=[{"mineral": "gallium", "demand": 80}, {"mineral": "germanium",
                                                              "demand": 80}],
             suppliers=[{"supplier": "A", "country": "China", "capacity": 120},
                        {"supplier": "B", "country": "Japan"}],
             offers=offers(("A", "gallium", 10, 100), ("A", "germanium", 20, 100),
                           ("B", "gallium", 30, 500), ("B", "germanium", 30, 500)))
    r = solve(d)
    assert r.total_cost == pytest.approx(2800)
    bought = {(a.supplier, a.mineral): a.quantity for a in r.allocations.itertuples()}
    assert bought == pytest.approx({("A", "gallium"): 80, ("A", "germanium"): 40,
                                    ("B", "germanium"): 40})


def test_supplier_fixed_cost_is_paid_once_for_two_offers():
    """A: gallium 10, germanium 20, qualification 500 a year; B: 14 and 24.
    Demand 100 each. A: 1000 + 2000 + 500 = 3500; B: 1400 + 2400 = 3800.
    (Paid per offer it would be 4000 and B would win.)"""
    d = data(minerals=[{"mineral": "gallium", "demand": 100},
                       {"mineral": "germanium", "demand": 100}],
             suppliers=[{"supplier": "A", "country": "China", "fixed_cost": 500},
                        {"supplier": "B", "country": "Japan"}],
             offers=offers(("A", "gallium", 10, 500), ("A", "germanium", 20, 500),
                           ("B", "gallium", 14, 500), ("B", "germanium", 24, 500)))
    r = solve(d)
    assert r.total_cost == pytest.approx(3500)
    assert r.fixed_cost == pytest.approx(500)
    assert r.allocations["cost"].sum() == pytest.approx(3500)


def test_supplier_fixed_cost_not_worth_it_for_one_mineral():
    """Only gallium needed: A 1000 + 500 = 1500 > B 1400."""
    d = data(minerals=[{"mineral": "gallium", "demand": 100}],
             suppliers=[{"supplier": "A", "country": "China", "fixed_cost": 500},
                        {"supplier": "B", "country": "Japan"}],
             offers=offers(("A", "gallium", 10, 500), ("B", "gallium", 14, 500)))
    assert solve(d).total_cost == pytest.approx(1400)


def test_currency_conversion_changes_the_ranking():
    """A quotes 9 EUR, B 10 USD; 1 EUR = 1.2 USD makes A 10.8 USD: B wins, 100 * 10 = 1000.
    Read as dollars, A would have won at 900."""
    common = dict(minerals=[{"mineral": "gallium", "demand": 100}], suppliers=TWO)
    quotes = [{"supplier": "A", "mineral": "gallium", "unit_cost": 9, "capacity": 500,
               "currency": "EUR"},
              {"supplier": "B", "mineral": "gallium", "unit_cost": 10, "capacity": 500}]
    r = solve(data(**common, offers=quotes, currencies=[{"currency": "EUR", "rate": 1.2}]))
    assert r.total_cost == pytest.approx(1000)
    plain = [{k: v for k, v in q.items() if k != "currency"} for q in quotes]
    assert solve(data(**common, offers=plain)).total_cost == pytest.approx(900)


def test_allocations_show_the_quote_currency_and_price():
    """A quotes 9 EUR = 10.8 USD and is the only supplier: 100 * 10.8 = 1080 USD."""
    r = solve(data(minerals=[{"mineral": "gallium", "demand": 100}], suppliers=TWO[:1],
                   offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 9,
                            "capacity": 500, "currency": "eur"}],
                   currencies=[{"currency": "EUR", "rate": 1.2}]))
    row = r.allocations.iloc[0]
    assert (row["currency"], row["quote_unit_cost"], row["unit_cost"]) == \
        ("EUR", 9, pytest.approx(10.8))
    assert r.total_cost == pytest.approx(1080)


def test_project_capex_in_another_currency_is_converted():
    """Capex 1000 EUR at 1.1 = 1100 USD over 10 years = 110 a year; the budget of 1000 USD
    cannot pay it, so the project stays unfunded and China supplies: 100 * 20 = 2000."""
    d = data(minerals=[{"mineral": "gallium", "demand": 100}], suppliers=TWO[:1],
             offers=offers(("A", "gallium", 20, 500)),
             projects=[{"project": "P", "mineral": "gallium", "country": "Germany",
                        "capacity": 100, "unit_cost": 1, "capex": 1000, "currency": "EUR"}],
             budgets=[{"budget": "X", "amount": 1000}],
             currencies=[{"currency": "EUR", "rate": 1.1}])
    assert d.projects.at["P", "capex"] == pytest.approx(1100)
    assert solve(d).total_cost == pytest.approx(2000)


def test_two_sites_are_each_served_and_caps_apply_to_the_total():
    """Texas needs 60, Germany 40. A (China) 10/unit, B (Japan) 20/unit; cap 50 % on totals.
    Lanes A->Texas at 1, B->Texas at 1, A->Germany at 3, B->Germany at 1.
    China may send 50 in all: cheapest use of China's 50 compares savings per site:
    Texas: (20+1)-(10+1)=10, Germany: (20+1)-(10+3)=8 -> China fills Texas first (50),
    Texas also gets 10 from Japan, Germany 40 from Japan.
    Cost: 50*11 + 10*21 + 40*21 = 550 + 210 + 840 = 1600."""
    d = data(minerals=[{"mineral": "gallium"}], suppliers=TWO,
             offers=offers(("A", "gallium", 10, 500), ("B", "gallium", 20, 500)),
             sites=[{"site": "Texas", "country": "United States"},
                    {"site": "Bavaria", "country": "Germany"}],
             demand=[{"site": "Texas", "mineral": "gallium", "demand": 60},
                     {"site": "Bavaria", "mineral": "gallium", "demand": 40}],
             lanes=[{"supplier": "A", "site": "Texas", "transport_cost": 1},
                    {"supplier": "B", "site": "Texas", "transport_cost": 1},
                    {"supplier": "A", "site": "Bavaria", "transport_cost": 3},
                    {"supplier": "B", "site": "Bavaria", "transport_cost": 1}],
             settings={"max_country_share": 0.5})
    r = solve(d)
    assert r.total_cost == pytest.approx(1600)
    flows = {(f.supplier, f.site): f.quantity for f in r.flows.itertuples()}
    assert flows == pytest.approx({("A", "Texas"): 50, ("B", "Texas"): 10, ("B", "Bavaria"): 40})
    sites = r.sites.set_index("site")
    assert sites.loc["Texas", "supplied"] == pytest.approx(60)
    assert sites.loc["Bavaria", "landed_cost"] == pytest.approx(40 * 21)
    assert r.minerals.loc[0, "demand"] == pytest.approx(100)


def test_a_project_ships_along_its_own_lane():
    """Project P (no capex) in the US at 5/unit reaches Texas at 1; China at 10 has no lane:
    100 * (5 + 1) = 600."""
    d = data(minerals=[{"mineral": "gallium"}], suppliers=TWO[:1],
             offers=offers(("A", "gallium", 10, 500)),
             projects=[{"project": "P", "mineral": "gallium", "country": "United States",
                        "capacity": 200, "unit_cost": 5, "capex": 0}],
             sites=TEXAS, demand=[{"site": "Texas", "mineral": "gallium", "demand": 100}],
             lanes=[{"supplier": "P", "site": "Texas", "transport_cost": 1}])
    assert solve(d).total_cost == pytest.approx(600)


def test_v1_workbook_builds_no_shipment_variables():
    d = data(minerals=[{"mineral": "gallium", "demand": 100}], suppliers=TWO,
             offers=offers(("A", "gallium", 10, 500)))
    model = build_model(d)
    assert len(model.ship) == 0 and not hasattr(model, "offer_shipments")


def test_demand_on_both_minerals_and_demand_sheets_is_an_error():
    with pytest.raises(InputError) as info:
        data(minerals=[{"mineral": "gallium", "demand": 100}], suppliers=TWO,
             offers=offers(("A", "gallium", 10, 500)), sites=TEXAS,
             demand=[{"site": "Texas", "mineral": "gallium", "demand": 100}])
    assert [str(p) for p in info.value.errors] == [
        "Minerals!B2 (demand): 100 is given here and the Demand sheet also gives demand by "
        "site; expected this cell blank (demand comes from Demand)"]


def test_lane_from_an_unknown_supplier_is_located():
    with pytest.raises(InputError) as info:
        data(minerals=[{"mineral": "gallium"}], suppliers=TWO,
             offers=offers(("A", "gallium", 10, 500)), sites=TEXAS,
             demand=[{"site": "Texas", "mineral": "gallium", "demand": 100}],
             lanes=[{"supplier": "AA", "site": "Texas", "transport_cost": 1}])
    assert [str(p) for p in info.value.errors] == [
        'Lanes!A2 (supplier): "AA" is not on the Suppliers or Projects sheet (did you mean "A"?)']


def test_several_sites_need_a_demand_sheet():
    with pytest.raises(InputError, match="lists 2 sites but there is no Demand sheet"):
        data(minerals=[{"mineral": "gallium", "demand": 1}], suppliers=TWO,
             offers=offers(("A", "gallium", 10, 500)),
             sites=[*TEXAS, {"site": "Bavaria", "country": "Germany"}])


def test_unknown_currency_suggests_the_closest():
    with pytest.raises(InputError) as info:
        data(minerals=[{"mineral": "gallium", "demand": 1}], suppliers=TWO,
             offers=[{"supplier": "A", "mineral": "gallium", "unit_cost": 9, "capacity": 5,
                      "currency": "EUX"}], currencies=[{"currency": "EUR", "rate": 1.2}])
    assert [str(p) for p in info.value.errors] == [
        'Offers!E2 (currency): "EUX" is not on the Currencies sheet (did you mean "EUR"?)']


def test_tariff_written_as_whole_percent_is_a_warning():
    d = data(minerals=[{"mineral": "gallium"}], suppliers=TWO[:1],
             offers=offers(("A", "gallium", 10, 500)), sites=TEXAS,
             demand=[{"site": "Texas", "mineral": "gallium", "demand": 1}],
             tariffs=[{"origin": "China", "destination": "United States", "rate": 25}])
    assert [str(w) for w in d.warnings] == [
        "Tariffs!C2 (rate): 25 means a tariff of 2500%; if 25 % was meant, write 0.25 or 25%"]
