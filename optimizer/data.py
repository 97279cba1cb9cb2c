"""Validated input data: what the model is built from.

A :class:`SourcingData` is only ever made by validation (from a workbook or from pandas
DataFrames), so everything downstream may assume clean, typed, cross-referenced tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pandas as pd

from .errors import Problem


@dataclass(frozen=True)
class Settings:
    """Model-wide settings (the Settings sheet). Units: shares are fractions, times seconds."""

    max_country_share: float = 1.0
    amortization_years: float = 10.0
    allow_shortfall: bool = False
    shortfall_penalty: float | None = None
    time_limit_s: float = 60.0
    mip_gap: float = 1e-4
    currency: str = "USD"
    quantity_unit: str = "t"

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class SourcingData:
    """Clean input tables, one per sheet, each with an ``excel_row`` column for messages.

    Tables (index, then columns):

    - ``minerals``: mineral; demand [quantity/year], max_country_share [fraction or NaN],
      shortfall_penalty [currency/quantity or NaN]
    - ``suppliers``: supplier; country
    - ``offers``: (supplier, mineral); country, unit_cost [currency/quantity], capacity
      [quantity/year], min_order [quantity/year], fixed_cost [currency/year]
    - ``country_caps``: row number; country, mineral (None = every mineral), max_share [fraction]
    - ``projects``: project; mineral, country, capacity, unit_cost, capex [currency], budget
      (None when there are no budget lines), fixed_cost
    - ``budgets``: budget; amount [currency]

    Build one with :func:`optimizer.read_workbook` or :meth:`SourcingData.from_frames`.
    """

    settings: Settings
    minerals: pd.DataFrame
    suppliers: pd.DataFrame
    offers: pd.DataFrame
    country_caps: pd.DataFrame
    projects: pd.DataFrame
    budgets: pd.DataFrame
    source: str = "<data>"
    warnings: list[Problem] = field(default_factory=list)

    @classmethod
    def from_frames(
        cls,
        minerals: pd.DataFrame,
        suppliers: pd.DataFrame,
        offers: pd.DataFrame,
        country_caps: pd.DataFrame | None = None,
        projects: pd.DataFrame | None = None,
        budgets: pd.DataFrame | None = None,
        settings: dict[str, object] | pd.DataFrame | None = None,
    ) -> "SourcingData":
        """Validate pandas DataFrames laid out like the workbook's sheets.

        Each frame has the sheet's columns (e.g. ``offers`` has supplier, mineral, unit_cost,
        capacity, min_order, fixed_cost). ``settings`` is a dict ``{setting: value}`` or a frame
        with columns setting, value. Problems are reported as if each frame were a sheet with its
        header on row 1, so the first data row is row 2.

        Raises :class:`optimizer.InputError` listing every problem.
        """
        return cls.from_sheets({
            "Minerals": minerals, "Suppliers": suppliers, "Offers": offers,
            "CountryCaps": country_caps, "Projects": projects, "Budgets": budgets,
            "Settings": settings,
        })

    @classmethod
    def from_sheets(cls, frames: dict[str, pd.DataFrame | dict | None],
                    source: str = "<DataFrames>") -> "SourcingData":
        """Validate frames keyed by sheet name (``"Offers"``, ...), as :meth:`to_frames` gives.

        ``frames["Settings"]`` may also be a dict ``{setting: value}``.
        Raises :class:`optimizer.InputError` listing every problem.
        """
        from .validate import raw_from_frames, validate

        settings = frames.get("Settings")
        if isinstance(settings, dict):
            frames = {**frames, "Settings": pd.DataFrame(
                {"setting": list(settings), "value": list(settings.values())})}
        return validate(raw_from_frames(frames), source=source)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The data laid out as the workbook's sheets again (contract columns, no excel_row).

        ``SourcingData.from_frames(**...)`` of the result validates to the same data, which is
        how what-if changes are applied: change the frames, validate again.
        """
        from . import schema

        tables = {"Minerals": self.minerals, "Suppliers": self.suppliers, "Offers": self.offers,
                  "CountryCaps": self.country_caps, "Projects": self.projects,
                  "Budgets": self.budgets}
        out: dict[str, pd.DataFrame] = {}
        for sheet, table in tables.items():
            columns = [c.name for c in schema.SHEETS_BY_NAME[sheet].columns]
            flat = table.reset_index() if any(n is not None for n in table.index.names) \
                else table
            out[sheet] = flat.reindex(columns=columns).reset_index(drop=True)
        settings = self.settings.as_dict()
        out["Settings"] = pd.DataFrame({"setting": list(settings),
                                        "value": list(settings.values())})
        return out

    def with_settings(self, **changes: object) -> "SourcingData":
        """A copy with some settings changed (the tables are shared, not copied)."""
        return replace(self, settings=replace(self.settings, **changes))

    # --- derived lookups used by the model, the checks and the results -----------------------
    def cap(self, country: str, mineral: str) -> float:
        """The cap on ``country``'s share of ``mineral``: the most specific rule wins.

        Precedence: CountryCaps(country, mineral), CountryCaps(country, blank),
        Minerals.max_country_share(mineral), Settings.max_country_share.
        """
        return self.caps_table().get((mineral, country), self._mineral_cap(mineral))

    def _mineral_cap(self, mineral: str) -> float:
        value = self.minerals.at[mineral, "max_country_share"]
        return float(self.settings.max_country_share if pd.isna(value) else value)

    def caps_table(self) -> dict[tuple[str, str], float]:
        """Caps from CountryCaps for every (mineral, country) they name, precedence applied."""
        caps: dict[tuple[str, str], float] = {}
        rows = self.country_caps
        for country, share in zip(rows["country"][rows["mineral"].isna()],
                                  rows["max_share"][rows["mineral"].isna()]):
            for mineral in self.minerals.index:
                caps[(mineral, country)] = float(share)
        specific = rows[rows["mineral"].notna()]
        for country, mineral, share in zip(specific["country"], specific["mineral"],
                                           specific["max_share"]):
            caps[(mineral, country)] = float(share)
        return caps

    def supply_countries(self) -> dict[str, list[str]]:
        """For each mineral, the countries that can supply it (offers and projects), sorted."""
        pairs = set(zip(self.offers.index.get_level_values("mineral"), self.offers["country"]))
        pairs |= set(zip(self.projects["mineral"], self.projects["country"]))
        out: dict[str, list[str]] = {m: [] for m in self.minerals.index}
        for mineral, country in sorted(pairs):
            out[mineral].append(country)
        return out

    def effective_caps(self) -> dict[tuple[str, str], float]:
        """Cap for every (mineral, country) that can supply the mineral."""
        specific = self.caps_table()
        return {
            (m, c): specific.get((m, c), self._mineral_cap(m))
            for m, countries in self.supply_countries().items()
            for c in countries
        }

    def shortfall_penalty(self, mineral: str) -> float | None:
        value = self.minerals.at[mineral, "shortfall_penalty"]
        return self.settings.shortfall_penalty if pd.isna(value) else float(value)
