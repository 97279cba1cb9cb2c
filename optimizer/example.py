"""The bundled example: a manufacturer sourcing six critical minerals, built from public figures.

The story
---------
A manufacturer of permanent magnets, compound semiconductors and lithium-ion batteries, with plants
in the United States and allied countries, plans a year of purchases of six critical minerals:

- **rare earth oxide**: NdPr oxide for NdFeB magnets;
- **gallium**: high-purity gallium for GaN and GaAs chips;
- **germanium**: germanium metal for SiGe wafers, infrared optics and optical fibre;
- **graphite**: natural flake graphite for battery anodes;
- **cobalt**: cobalt for NMC battery cathodes;
- **lithium**: lithium chemicals for cathodes, counted in tonnes of lithium content.

Quantities are metric tonnes (t) per year. Money is in US dollars (USD): prices in USD per
tonne, fixed costs in USD per year, capex in USD paid once. By default no single country may
supply more than half of any mineral. Three rules override that default: China may supply up to
80 % of the gallium, because it makes 99 % of the world's primary gallium; nothing may come from
Russia (sanctions); and Burma (Myanmar) may supply at most 10 % of the rare earth oxide. For
lithium, the Minerals sheet tightens the cap to 40 % per country.

Each offer is sized from the country's 2024 mine or primary production as published by the
U.S. Geological Survey (USGS, Mineral Commodity Summaries 2026). The offer's capacity is that
production times a per-mineral *access factor*: the share of national output that this one buyer
can contract. Prices are the USGS 2024 prices, converted to USD per tonne. Offers from outside
the dominant low-cost chain (China; for cobalt, the Congo (Kinshasa) and Indonesia chain) pay a
premium. USGS publishes no germanium table by country, so the germanium offers are assumptions
built on China's export figures and the USGS list of known producers. Five investment projects
are modelled on real US Defense Production Act (DPA) awards. The budget line cannot fund all of
them, so the model has to choose.

:data:`SOURCES` lists every public figure with its source, and :data:`NOTES` lists every
assumption. The figures are written out below as literal tables; nothing is read at run time.
Build the example with :func:`example_frames`, which returns one DataFrame per input sheet::

    from optimizer import SourcingData, solve
    from optimizer.example import example_frames

    f = example_frames()
    data = SourcingData.from_frames(
        minerals=f["Minerals"], suppliers=f["Suppliers"], offers=f["Offers"],
        country_caps=f["CountryCaps"], projects=f["Projects"], budgets=f["Budgets"],
        settings=f["Settings"])
    result = solve(data)

The plan this gives (HiGHS, well under a second):

- A cap binds for every mineral. China is held at 50 % of the rare earth oxide, germanium and
  graphite, at 80 % of the gallium and at 40 % of the lithium; the Congo (Kinshasa) at 50 % of
  the cobalt. Burma (Myanmar) is at its 10 % of the rare earth oxide, Belgium at 50 % of the
  germanium and Australia at 40 % of the lithium. Russia supplies nothing.
- Three projects are funded: the gallium recovery plant, the Canadian graphite mine and the
  cobalt plant. Each one is needed to meet demand: leave one out and 19.25 t of gallium,
  6,080 t of graphite or 26 t of cobalt goes unmet. The caps hold Chinese or Congolese supply
  down to what the other countries can balance.
- Two projects are not funded. The rare-earth separation plant in Texas would save $240,000
  a year, but its $30M capex does not fit in the $24.8M left on the $70M DPA Title III line.
  (With at least $75.2M it is funded.) The Utah germanium plant costs more a year than it
  saves.
- No demand goes unmet.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .data import SourcingData

__all__ = ["example_frames", "example_data", "write_example", "SOURCES", "NOTES"]

LB_PER_T = 2204.62  # pounds per metric tonne
LI_IN_LI2CO3 = 2 * 6.941 / 73.891  # mass fraction of lithium in lithium carbonate, 0.1879

# --- Settings ----------------------------------------------------------------------------------
SETTINGS: list[tuple[str, object]] = [
    ("max_country_share", 0.5),  # default: no country supplies more than half of a mineral
    ("amortization_years", 10),  # project capex is spread over 10 years in the yearly cost
    ("allow_shortfall", True),  # unmet demand is allowed, at each mineral's shortfall_penalty
    ("currency", "USD"),
    ("quantity_unit", "t"),
    ("time_limit_s", 60),
    ("mip_gap", 1e-4),
    ("objective", "cost"),  # plan for normal times; `sourcing solve --objective cvar` weighs
    # the Disruptions below
    ("spot_premium", 1.0),  # ASSUMPTION: in a disruption spot prices double (USGS: gallium
    # $240 -> $420/kg 2023-24, germanium $1,550 -> $5,380/kg 2024-25, antimony x2 in 2024)
    ("cvar_alpha", 0.9),
    ("risk_weight", 1.0),
]

# ASSUMPTION: reserving capacity under a contract costs 5 % of its unit price per reserved unit
# and year (take-or-pay option fees); reserved >= bought, so every bought unit pays it too.
RESERVATION_SHARE = 0.05

# --- Disruptions: the real events of 2023-2025 as scenarios ----------------------------------
# (scenario, probability per year, country, mineral, capacity_factor). The events are real
# (USGS MCS 2025/2026, MOFCOM announcements); the PROBABILITIES ARE ASSUMPTIONS for
# illustration, not forecasts. Normal times have probability 1 - 0.65 = 0.35.
DISRUPTIONS: list[tuple[str, float, str, str, float]] = [
    # MOFCOM No. 23 [2023]: export licences for gallium and germanium; Dec 2024: no exports to
    # the US. Modelled as China's gallium and germanium lost entirely.
    ("China stops Ga/Ge exports", 0.15, "China", "gallium", 0.0),
    ("China stops Ga/Ge exports", 0.15, "China", "germanium", 0.0),
    # Dec 2023 graphite licences: China's flake exports fell 78 % in Jan-Feb 2024 (USGS MCS
    # 2025); modelled as half of China's graphite lost.
    ("China graphite licences halve supply", 0.20, "China", "graphite", 0.5),
    # DRC export ban Feb-Oct 2025, then quotas of up to 96,600 t/yr against 226,000 t mined in
    # 2024 (USGS MCS 2026): 96,600 / 226,000 = 0.43 survives.
    ("DRC cobalt export quota", 0.20, "Congo (Kinshasa)", "cobalt", 0.43),
    # Apr 2025 controls on medium/heavy rare earths (MOFCOM No. 18 of 2025); modelled as half
    # of China's rare earth oxide lost.
    ("China rare-earth export controls", 0.10, "China", "rare earth oxide", 0.5),
]

# --- Demand, t per year (assumptions sized for one large manufacturer) -------------------------
# (mineral, demand [t/yr], what it stands for)
DEMAND: list[tuple[str, float, str]] = [
    ("rare earth oxide", 1_500, "NdPr oxide for about 4,300 t/yr of NdFeB magnets"),
    ("gallium", 20, "about 6 % of the ~320 t of high-purity gallium refined in the world in 2024"),
    ("germanium", 6, "about a quarter of China's germanium metal exports in 2024 (~25 t/yr)"),
    ("graphite", 30_000, "natural flake for the anodes of about 30 GWh/yr of cells"),
    ("cobalt", 2_000, "NMC cathodes; under 1 % of 2024 world mine output (302,000 t)"),
    ("lithium", 5_000, "about 26,600 t/yr of lithium carbonate equivalent, ~40 GWh/yr of cells"),
]
# Minerals.max_country_share (None = the Settings default of 0.5)
MINERAL_CAP: dict[str, float | None] = {"lithium": 0.4}
SHORTFALL_MULTIPLE = 3.0  # shortfall penalty = 3 x the highest unit cost offered for the mineral

# --- Base prices: USGS 2024 values in USD per tonne --------------------------------------------
# (mineral, USD/t, the USGS figure it comes from)
BASE_PRICE: list[tuple[str, float, str]] = [
    # USGS MCS 2026, rare earths: NdPr oxide 99 % min (Argus, FOB), 2024: $55/kg
    ("rare earth oxide", 55.0 * 1_000, "NdPr oxide, $55/kg (2024)"),
    # USGS MCS 2025, gallium: high-purity refined, avg unit value of US imports, 2024e: $500/kg
    ("gallium", 500.0 * 1_000, "high-purity gallium, $500/kg (2024e)"),
    # USGS MCS 2026, germanium: metal, Europe >= 99.999 % (Argus), 2024 revised: $1,991/kg
    ("germanium", 1_991.0 * 1_000, "germanium metal, $1,991/kg (2024)"),
    # USGS MCS 2026, graphite: flake, avg unit value of US imports, 2024 revised: $1,050/t
    ("graphite", 1_050.0, "flake graphite, $1,050/t (2024)"),
    # USGS MCS 2026, cobalt: LME cash, 2024 revised: $11.84/lb x 2,204.62 lb/t = $26,103/t
    ("cobalt", float(round(11.84 * LB_PER_T)), "cobalt LME cash, $11.84/lb (2024)"),
    # USGS MCS 2026, lithium: battery-grade Li2CO3 (Benchmark), 2024: $11,800/t of carbonate;
    # / 0.1879 t Li per t Li2CO3 = $62,800/t of lithium content
    ("lithium", float(round(11_800 / LI_IN_LI2CO3, -2)), "lithium carbonate, $11,800/t (2024)"),
]
BASE: dict[str, float] = {mineral: price for mineral, price, _ in BASE_PRICE}

# --- Production the offers are scaled from, t per year -----------------------------------------
# USGS Mineral Commodity Summaries 2026 (MCS 2026), 2024 column (`mcs26_2024`): REO equivalent,
# gallium (USGS gives kg; here t), natural graphite, cobalt content and lithium content.
# Listed: each country with >= 1 % of 2024 world output (gallium: every listed producer), plus
# Canada's graphite (the project's home). Left out: Cuba (cobalt; US embargo), North Korea
# (graphite; sanctions), and "Other" rows.
PRODUCTION_2024: dict[str, dict[str, float]] = {
    "rare earth oxide": {  # MCS 2026 rare earths; world total 380,000 t
        "China": 270_000, "United States": 45_500, "Australia": 29_000, "Burma (Myanmar)": 27_000,
    },
    "gallium": {  # MCS 2026 gallium, primary low-purity, kg / 1,000; world total 848 t
        "China": 839.0, "Japan": 3.0, "Russia": 6.0,
    },
    "graphite": {  # MCS 2026 graphite (natural); world total 1,550,000 t
        "China": 1_270_000, "Madagascar": 85_000, "Brazil": 58_000, "Mozambique": 39_000,
        "Tanzania": 27_000, "Russia": 20_000, "India": 17_600, "Canada": 11_700,
    },
    "cobalt": {  # MCS 2026 cobalt, mine production; world total 302,000 t
        "Congo (Kinshasa)": 226_000, "Indonesia": 35_000, "Russia": 8_000, "Australia": 4_780,
        "Canada": 3_350, "Madagascar": 3_100, "Philippines": 3_100,
    },
    "lithium": {  # MCS 2026 lithium, mine production (US withheld); world excl. US 222,000 t
        "Australia": 82_700, "Chile": 48_900, "China": 41_400, "Zimbabwe": 20_000,
        "Argentina": 13_800, "Brazil": 10_200, "Canada": 4_820,
    },
    # Germanium: USGS publishes no country table. China: its germanium metal exports were
    # 18,787 kg in January-September 2024 (MCS 2026), x 12/9 = ~25 t/yr. The other countries are
    # the producers or recyclers named by USGS; their volumes are ASSUMPTIONS.
    "germanium": {
        "China": 25.0, "Belgium": 15.0, "Canada": 7.5, "Germany": 5.0, "Russia": 5.0,
    },
}

# Access factor: the share of a country's output this buyer can contract (assumptions).
ACCESS: dict[str, float] = {
    "rare earth oxide": 0.01,
    "gallium": 0.05,
    "germanium": 0.20,
    "graphite": 0.05,
    "cobalt": 0.02,
    "lithium": 0.05,
}

# --- Suppliers and their offers ----------------------------------------------------------------
# (supplier, country, mineral, premium over the base price, min_order [t/yr], fixed_cost [USD/yr])
# capacity = PRODUCTION_2024 x ACCESS, to 2 significant figures; unit_cost = BASE x (1 + premium).
# Premiums, min orders and fixed costs are assumptions. A min_order or fixed_cost marks a
# long-term contract that needs qualification.
OFFERS: list[tuple[str, str, str, float, float, float]] = [
    # rare earth oxide (NdPr oxide). Burmese ore is separated in China, so it has China's price.
    ("CN Baotou REO", "China", "rare earth oxide", 0.0, 0, 0),
    ("MM Kachin REO", "Burma (Myanmar)", "rare earth oxide", 0.0, 0, 0),
    ("AU Lynas", "Australia", "rare earth oxide", 0.20, 100, 200_000),
    ("US Mountain Pass", "United States", "rare earth oxide", 0.25, 150, 300_000),
    # gallium
    ("CN Shandong Ga", "China", "gallium", 0.0, 0, 0),
    ("JP Ga refiner", "Japan", "gallium", 0.30, 0, 0),
    ("RU Ga producer", "Russia", "gallium", 0.30, 0, 0),
    # germanium (Yunnan Chihong is one of the two Chinese producers USGS names)
    ("CN Yunnan Chihong", "China", "germanium", 0.0, 0, 0),
    ("BE Ge refiner", "Belgium", "germanium", 0.25, 1, 150_000),
    ("CA Ge refiner", "Canada", "germanium", 0.28, 0, 0),
    ("DE Ge recycler", "Germany", "germanium", 0.30, 0, 0),
    ("RU Ge producer", "Russia", "germanium", 0.25, 0, 0),
    # graphite (natural flake)
    ("CN Heilongjiang flake", "China", "graphite", 0.0, 0, 0),
    ("MG flake graphite", "Madagascar", "graphite", 0.15, 0, 0),
    ("MZ Balama", "Mozambique", "graphite", 0.15, 1_000, 100_000),
    ("TZ flake graphite", "Tanzania", "graphite", 0.17, 0, 0),
    ("BR flake graphite", "Brazil", "graphite", 0.20, 0, 0),
    ("IN graphite", "India", "graphite", 0.22, 0, 0),
    ("CA flake graphite", "Canada", "graphite", 0.25, 0, 0),
    ("RU graphite", "Russia", "graphite", 0.15, 0, 0),
    # cobalt: the DRC and Indonesian chain (refined mostly in China) at the LME price; the rest
    # at 35-42 % over LME, around USGS's US spot cathode price ($16.77/lb, +41.6 % over LME)
    ("CD Katanga Co", "Congo (Kinshasa)", "cobalt", 0.0, 0, 0),
    ("ID HPAL Co", "Indonesia", "cobalt", 0.0, 300, 250_000),
    ("PH Co", "Philippines", "cobalt", 0.35, 0, 0),
    ("MG Ambatovy Co", "Madagascar", "cobalt", 0.38, 0, 0),
    ("AU Co", "Australia", "cobalt", 0.40, 0, 0),
    ("CA Co", "Canada", "cobalt", 0.42, 0, 0),
    ("RU Norilsk Co", "Russia", "cobalt", 0.30, 0, 0),
    # lithium (t of lithium content)
    ("CN Li producers", "China", "lithium", 0.0, 0, 0),
    ("AU Greenbushes", "Australia", "lithium", 0.05, 500, 200_000),
    ("CL Atacama", "Chile", "lithium", 0.08, 0, 0),
    ("AR Li brine", "Argentina", "lithium", 0.10, 0, 0),
    ("ZW Li", "Zimbabwe", "lithium", 0.12, 0, 0),
    ("BR Li", "Brazil", "lithium", 0.13, 0, 0),
    ("CA Li", "Canada", "lithium", 0.15, 0, 0),
]

# --- Country caps ------------------------------------------------------------------------------
# (country, mineral or None for every mineral, max share). Otherwise Minerals/Settings apply.
COUNTRY_CAPS: list[tuple[str, str | None, float]] = [
    ("China", "gallium", 0.8),  # China made 99 % of primary gallium in 2024: 50 % is impossible
    ("Russia", None, 0.0),  # sanctions: nothing from Russia, for every mineral
    ("Burma (Myanmar)", "rare earth oxide", 0.1),  # conflict-area ore: at most 10 %
]

# --- Projects, modelled on real US DPA awards (capex = the award) ------------------------------
# (project, mineral, country, capacity [t/yr], unit_cost [USD/t], capex [USD], budget,
#  fixed_cost [USD/yr]). The capex is the public award; capacity, unit_cost and fixed_cost are
# assumptions.
PROJECTS: list[tuple[str, str, str, float, float, float, str, float]] = [
    # DPA Title III, Nov 2025: Louisiana demonstration plant recovering gallium from waste, $29.9M
    ("US Louisiana Ga recovery", "gallium", "United States", 5, 700_000, 29_900_000,
     "DPA Title III", 500_000),
    # DPA, Jan 2021: Lynas light rare-earth separation plant in Texas (1,250 t/yr NdPr), $30M
    ("US Texas REO separation", "rare earth oxide", "United States", 300, 56_000, 30_000_000,
     "DPA Title III", 200_000),
    # DPA Investment Program, Apr 2024: germanium wafer expansion in St. George, Utah, $14.4M
    ("US Utah Ge expansion", "germanium", "United States", 2, 2_200_000, 14_400_000,
     "DPA Title III", 300_000),
    # DPA Title III, 2024: natural flake graphite mine in Canada, $8.3M
    ("CA flake graphite mine", "graphite", "Canada", 5_000, 1_150, 8_300_000,
     "DPA Title III", 500_000),
    # DPA Title III, May 2024: Missouri cobalt/nickel hydrometallurgical plant, $7M
    ("US Missouri Co hydromet", "cobalt", "United States", 150, 28_000, 7_000_000,
     "DPA Title III", 200_000),
]

# (budget, amount [USD]). The projects need $89.6M in all; the line holds $70M.
BUDGETS: list[tuple[str, float]] = [("DPA Title III", 70_000_000)]


def _round_sig(x: float, digits: int = 2) -> float:
    """``x`` to ``digits`` significant figures (4,520 -> 4,500; 0.15 -> 0.15)."""
    if x == 0:
        return 0.0
    return float(round(x, digits - 1 - math.floor(math.log10(abs(x)))))


def _blanks_to_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing cells as None (not NaN), as a hand-filled sheet would have them."""
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def _offer_rows() -> list[tuple[str, str, float, float, float | None, float | None]]:
    """Offers rows: (supplier, mineral, unit_cost, capacity, min_order, fixed_cost)."""
    rows = []
    for supplier, country, mineral, premium, min_order, fixed in OFFERS:
        capacity = _round_sig(PRODUCTION_2024[mineral][country] * ACCESS[mineral])
        unit_cost = float(round(BASE[mineral] * (1 + premium)))
        rows.append((supplier, mineral, unit_cost, capacity,
                     float(min_order) if min_order else None, float(fixed) if fixed else None))
    return rows


def example_frames() -> dict[str, pd.DataFrame]:
    """The example's input sheets as DataFrames, keyed by sheet name. Blank cells are None."""
    offers = _offer_rows()
    highest: dict[str, float] = {}
    for mineral, unit_cost in [(o[1], o[2]) for o in offers] + [(p[1], p[4]) for p in PROJECTS]:
        highest[mineral] = max(highest.get(mineral, 0.0), float(unit_cost))
    minerals = [(m, float(demand), MINERAL_CAP.get(m), SHORTFALL_MULTIPLE * highest[m])
                for m, demand, _ in DEMAND]
    return {
        "Settings": pd.DataFrame(SETTINGS, columns=["setting", "value"]).astype(object),
        "Minerals": _blanks_to_none(pd.DataFrame(
            minerals, columns=["mineral", "demand", "max_country_share", "shortfall_penalty"])),
        "Suppliers": pd.DataFrame([(s, c) for s, c, *_ in OFFERS],
                                  columns=["supplier", "country"]),
        "Offers": _blanks_to_none(pd.DataFrame(
            [(*o, None, round(RESERVATION_SHARE * o[2], 2)) for o in offers],
            columns=["supplier", "mineral", "unit_cost", "capacity", "min_order",
                     "fixed_cost", "currency", "reservation_cost"])),
        "CountryCaps": _blanks_to_none(pd.DataFrame(
            COUNTRY_CAPS, columns=["country", "mineral", "max_share"])),
        "Projects": pd.DataFrame(PROJECTS, columns=["project", "mineral", "country", "capacity",
                                                    "unit_cost", "capex", "budget",
                                                    "fixed_cost"]),
        "Budgets": pd.DataFrame(BUDGETS, columns=["budget", "amount"]),
        "Disruptions": pd.DataFrame(
            [(name, p, country, None, mineral, factor)
             for name, p, country, mineral, factor in DISRUPTIONS],
            columns=["scenario", "probability", "country", "supplier", "mineral",
                     "capacity_factor"]).astype(object),
    }


_MCS26 = ("USGS Mineral Commodity Summaries 2026, {0} "
          "(https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-{1}.pdf), 2024 column; read from "
          "github.com/pranava0x0/usgs-mineral-commodity-summaries data/audit/{1}/ (commit 2514d2b)")
_MCS25 = ("USGS Mineral Commodity Summaries 2025, {0} "
          "(https://pubs.usgs.gov/periodicals/mcs2025/mcs2025-{1}.pdf); read from "
          "github.com/Vanakka/metals-encyclopedia src/data/usgs/text/mcs2025-{1}.txt "
          "(commit a450489)")

SOURCES: list[tuple[str, str]] = [
    # production (offer capacities)
    ("Rare earths mine production by country, 2024 (t REO)",
     _MCS26.format("Rare Earths", "rare-earths")),
    ("Primary low-purity gallium production by country, 2024 (kg)",
     _MCS26.format("Gallium", "gallium")),
    ("Natural graphite mine production by country, 2024 (t)",
     _MCS26.format("Graphite", "graphite")),
    ("Cobalt mine production by country, 2024 (t Co)", _MCS26.format("Cobalt", "cobalt")),
    ("Lithium mine production by country, 2024 (t Li; US withheld)",
     _MCS26.format("Lithium", "lithium")),
    ("Germanium: no country production table; China's germanium metal exports Jan-Sep 2024 "
     "18,787 kg", _MCS26.format("Germanium", "germanium")),
    ("Germanium: known producers or recyclers (United States, Belgium, Canada, China, Germany, "
     "Russia); the Chinese producers Yunnan Chihong Germanium and Zinc Co. and Yunnan Lincang "
     "Xinyuan Germanium Industry Co.", _MCS25.format("Germanium", "germanium")),
    # prices
    ("Price of rare earth oxide: NdPr oxide 99 % min (Argus, FOB), 2024, $55/kg",
     _MCS26.format("Rare Earths", "rare-earths")),
    ("Price of gallium: high-purity refined, average unit value of US imports, 2024e, $500/kg",
     _MCS25.format("Gallium", "gallium")),
    ("Price of germanium: metal, Europe >= 99.999 % (Argus), 2024 revised, $1,991/kg",
     _MCS26.format("Germanium", "germanium")),
    ("Price of graphite: flake, average unit value of US imports at foreign ports, 2024 "
     "revised, $1,050/t", _MCS26.format("Graphite", "graphite")),
    ("Price of cobalt: LME cash $11.84/lb and US spot cathode (Platts) $16.77/lb, 2024 revised",
     _MCS26.format("Cobalt", "cobalt")),
    ("Price of lithium: battery-grade lithium carbonate (Benchmark), 2024, $11,800/t",
     _MCS26.format("Lithium", "lithium")),
    # demand yardsticks and caps
    ("High-purity refined gallium, world production 2024: about 320,000 kg",
     _MCS25.format("Gallium", "gallium")),
    ("China's share of primary low-purity gallium production: 99 % (reason for the 0.8 cap)",
     _MCS25.format("Gallium", "gallium") + "; and MCS 2026 Gallium"),
    ("Burma (Myanmar) rare-earth output 'estimated based on reported import data for China' "
     "(reason Burma is priced as China)", _MCS25.format("Rare Earths", "rare-earths")),
    # projects and budget
    ("US Louisiana Ga recovery: Department of War DPA Title III award, Nov 2025, $29.9M, for a "
     "Louisiana demonstration plant recovering gallium and scandium from industrial waste",
     _MCS26.format("Gallium", "gallium")),
    ("US Texas REO separation: DoD DPA award to Lynas, Jan 2021, up to $30M, for a light "
     "rare-earth separation plant in Hondo, Texas (1,250 t/yr NdPr)",
     "cen.acs.org (C&EN vol. 99 issue 4); kallanish.com (30.4M)"),
    ("US Utah Ge expansion: DoD DPA Investment Program award, Apr 2024, $14.4M, for germanium "
     "wafer production in St. George, Utah", _MCS25.format("Germanium", "germanium")),
    ("CA flake graphite mine: DPA Title III award, 2024, $8.3M, for a natural flake graphite "
     "mine in Canada", _MCS25.format("Graphite", "graphite")),
    ("US Missouri Co hydromet: DoD DPA Title III grant, May 2024, $7M, for a cobalt/nickel "
     "hydrometallurgical demonstration plant in Missouri", _MCS25.format("Nickel", "nickel")),
    ("Compilation of all the figures above",
     "critical-minerals-public-figures.md (project data notes), sections 1-6, 10 and 12"),
]

NOTES: list[str] = [
    # resilience
    "Disruptions: the scenarios are the real 2023-2025 events (China's gallium/germanium export "
    "licences and US ban, graphite licences, the DRC cobalt export ban and quota, China's "
    "rare-earth export controls); their yearly PROBABILITIES (0.15, 0.20, 0.20, 0.10) are "
    "ASSUMPTIONS for illustration, not forecasts.",
    "Spot premium 100 % in a disruption is an assumption (USGS reports gallium $240 -> $420/kg "
    "in 2023-24 and germanium $1,550 -> $5,380/kg in 2024-25).",
    "Reservation cost 5 % of the unit price per reserved unit and year is an assumption "
    "(take-or-pay option fees); every bought unit is reserved, so it is part of the cost.",
    # demand
    "Demand (t/yr) is an assumption for one large manufacturer: rare earth oxide 1,500 t of NdPr "
    "oxide (~4,300 t/yr of NdFeB magnets at ~30 % NdPr metal); gallium 20 t (~6 % of the 320 t "
    "of high-purity gallium refined worldwide in 2024); germanium 6 t; graphite 30,000 t of "
    "natural flake (~30 GWh/yr of cells at ~1 t per MWh); cobalt 2,000 t; lithium 5,000 t of "
    "lithium content (~26,600 t lithium carbonate equivalent).",
    # capacities
    "Offer capacity = the country's 2024 production (USGS MCS 2026) x an access factor, rounded "
    "to 2 significant figures. The access factor is the share of national output this buyer can "
    "contract. All access factors are assumptions.",
    "rare earth oxide: capacity = 1 % of the country's 2024 REO mine production. Offers and "
    "demand are in t of NdPr oxide. NdPr is roughly a fifth of mixed REO (assumption), so this "
    "is about 5 % of each country's NdPr.",
    "gallium: capacity = 5 % of the country's 2024 primary low-purity gallium production (China "
    "42 t, Japan 0.15 t, Russia 0.3 t). Refining and recycling outside China are not in the "
    "USGS table and are not offered.",
    "germanium: USGS publishes no production table by country, so every germanium capacity is "
    "an assumption. China's basis is its 2024 germanium metal exports annualised (18,787 kg in "
    "Jan-Sep 2024 x 12/9 = ~25 t). Assumed yearly volumes for the other producers named by "
    "USGS: Belgium 15 t, Canada 7.5 t, Germany 5 t, Russia 5 t. Offers are 20 % of these.",
    "graphite: capacity = 5 % of the country's 2024 natural graphite mine production, all of it "
    "taken as flake.",
    "cobalt: capacity = 2 % of the country's 2024 cobalt mine production.",
    "lithium: capacity = 5 % of the country's 2024 lithium mine production. The United States "
    "(withheld by USGS) is not offered.",
    "Countries listed: those with at least 1 % of 2024 world output (for gallium, every listed "
    "producer), plus Canadian graphite. Cuba (cobalt) and North Korea (graphite) are left out "
    "because of sanctions.",
    # prices
    "Base prices are the USGS 2024 prices converted to USD/t (1 lb = 1/2,204.62 t; lithium "
    "carbonate is 18.79 % lithium). China pays the base price. So does Burma (Myanmar) for rare "
    "earth oxide, since its ore is separated in China. For cobalt, the Congo (Kinshasa) and "
    "Indonesia chain pays the base (LME) price.",
    "Premiums over the base price for other sources are assumptions: rare earth oxide +20 % "
    "(Australia) and +25 % (United States); gallium +30 %; germanium +25-30 %; graphite +15-25 % "
    "(African flake cheapest, Canada dearest); cobalt +35-42 % over LME, around USGS's own US "
    "spot cathode premium of +41.6 %; lithium +5-15 % (Australia cheapest, Canada dearest). "
    "The small differences within a mineral also break ties, so the plan is unique.",
    "Min orders and fixed costs are assumptions. They stand for long-term contracts that need "
    "qualification: AU Lynas and US Mountain Pass (rare earth oxide), BE Ge refiner, MZ Balama "
    "(graphite), ID HPAL Co (cobalt) and AU Greenbushes (lithium).",
    "The shortfall penalty per mineral is 3 x the highest unit cost offered for it (assumption).",
    # caps
    "Country caps are policy assumptions. The default is 50 % per country. China may supply up "
    "to 80 % of the gallium, because it made 99 % of primary gallium in 2024. Russia is capped "
    "at 0 % for every mineral (sanctions). Burma (Myanmar) is capped at 10 % of the rare earth "
    "oxide. Lithium is capped at 40 % per country on the Minerals sheet: its supply is "
    "diversified enough for a stricter rule.",
    "Base case: Chinese export licences are granted. The Dec 2024 Chinese ban on gallium and "
    "germanium exports to the US, the gallium part of which was suspended for a year in Nov "
    "2025, and the DRC's 2025 cobalt export ban and quotas are not modelled.",
    # projects and budget
    "Projects: each capex is the size of the real DPA award. Capacities, unit costs and fixed "
    "costs are assumptions. Louisiana gallium 5 t/yr at $700/kg. Texas separation: this buyer's "
    "offtake is 300 t/yr of the plant's 1,250 t/yr NdPr, at $56/kg cost-plus. Utah germanium 2 "
    "t/yr at $2,200/kg. Canadian graphite mine: 5,000 t/yr offtake at $1,150/t. Missouri cobalt: "
    "150 t/yr at $28,000/t.",
    "Budget: a single DPA Title III line of $70M (assumption). The five projects need $89.6M in "
    "all, so they cannot all be funded.",
]


def example_workbook_path() -> str:
    """The name under which the bundled example is known in outputs and messages."""
    return "critical_minerals.xlsx (bundled example)"


def example_data() -> SourcingData:
    """The bundled example, validated, as :class:`optimizer.SourcingData`."""
    from .data import SourcingData

    return SourcingData.from_sheets(example_frames(), source=example_workbook_path())


def write_example(path: str | Path) -> Path:
    """Write the bundled example workbook (template layout, plus Sources and Notes sheets)."""
    from .template import write_input_workbook
    from .writer import SheetOut

    sources = pd.DataFrame(SOURCES, columns=["what", "source"])
    notes = pd.DataFrame({"assumption": NOTES})
    return write_input_workbook(example_frames(), path, extra=[
        SheetOut("Sources", sources, notes=["Public figures used in this example and where "
                                            "they come from (USGS Mineral Commodity Summaries)."]),
        SheetOut("Notes", notes, notes=["Assumptions made to turn public figures into offers."]),
    ])
