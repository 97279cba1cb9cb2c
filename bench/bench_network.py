"""Network scale benchmark (issue 8): 100 suppliers x 1,000 sites, one mineral.

    python -m bench.bench_network [--suppliers 100] [--sites 1000] [--seed 1]

Writes a workbook with a Lanes sheet of every supplier-site pair (100,000 lanes with
distance-based transport costs), then times each stage of a solve the way the CLI runs it:
read + validate, build the Pyomo model, solve with HiGHS, write the results workbook.
Prints one table and appends a row to bench/results/network.csv.
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import resource
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

RESULTS = Path(__file__).resolve().parent / "results" / "network.csv"


def write_instance(path: Path, n_suppliers: int, n_sites: int, seed: int) -> None:
    """A one-mineral network: suppliers in 12 countries, sites in 6, lanes for every pair."""
    rng = random.Random(seed)
    countries = ["China", "Australia", "United States", "Canada", "Chile", "Brazil",
                 "Japan", "Germany", "India", "Indonesia", "Mexico", "South Africa"]
    site_countries = ["United States", "Germany", "Japan", "Mexico", "Canada", "India"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Settings")
    ws.append(["setting", "value"])
    ws.append(["max_country_share", 0.4])
    suppliers = [(f"S{i:03d}", countries[min(int(rng.expovariate(0.5)), len(countries) - 1)],
                  rng.uniform(0, 100), rng.uniform(0, 100)) for i in range(n_suppliers)]
    sites = [(f"T{j:04d}", rng.choice(site_countries), rng.uniform(0, 100), rng.uniform(0, 100))
             for j in range(n_sites)]
    demand = {site[0]: round(rng.uniform(5, 50), 1) for site in sites}
    total = sum(demand.values())
    ws = wb.create_sheet("Minerals")
    ws.append(["mineral", "demand"])
    ws.append(["graphite", None])
    ws = wb.create_sheet("Suppliers")
    ws.append(["supplier", "country"])
    for name, country, _, _ in suppliers:
        ws.append([name, country])
    ws = wb.create_sheet("Offers")
    ws.append(["supplier", "mineral", "unit_cost", "capacity"])
    for name, country, _, _ in suppliers:
        price = (900 if country == "China" else 1100) * rng.uniform(0.9, 1.2)
        ws.append([name, "graphite", round(price, 2), round(3 * total / n_suppliers, 1)])
    ws = wb.create_sheet("Sites")
    ws.append(["site", "country"])
    for name, country, _, _ in sites:
        ws.append([name, country])
    ws = wb.create_sheet("Demand")
    ws.append(["site", "mineral", "demand"])
    for name, *_ in sites:
        ws.append([name, "graphite", demand[name]])
    ws = wb.create_sheet("Lanes")
    ws.append(["supplier", "site", "mineral", "transport_cost"])
    for s_name, _, sx, sy in suppliers:
        for t_name, _, tx, ty in sites:
            distance = ((sx - tx) ** 2 + (sy - ty) ** 2) ** 0.5
            ws.append([s_name, t_name, None, round(5 + 2 * distance, 2)])
    ws = wb.create_sheet("Tariffs")
    ws.append(["origin", "destination", "mineral", "rate"])
    ws.append(["China", "United States", None, 0.25])
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=100)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from optimizer import read_workbook, write_results
    from optimizer.model import build_model
    from optimizer.solving import solve

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.xlsx"
        started = time.perf_counter()
        write_instance(path, args.suppliers, args.sites, args.seed)
        generate = time.perf_counter() - started

        started = time.perf_counter()
        data = read_workbook(path)
        read = time.perf_counter() - started

        started = time.perf_counter()
        model = build_model(data)
        build_only = time.perf_counter() - started
        lanes = len(model.OFFER_LANES)
        del model

        result = solve(data)
        started = time.perf_counter()
        write_results(result, Path(tmp) / "plan.xlsx")
        write = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()} "
        f"{_cpu()} x{_cores()}", "suppliers": args.suppliers, "sites": args.sites,
        "lanes": lanes, "status": result.status, "total_cost": round(result.total_cost or 0, 2),
        "generate_s": round(generate, 2), "read_s": round(read, 2),
        "build_s": round(build_only, 2), "build_in_solve_s": round(result.build_seconds, 2),
        "solve_s": round(result.solve_seconds, 2),
        "explain_s": round(getattr(result, "explain_seconds", 0.0), 2),
        "write_s": round(write, 2),
        "peak_rss_mb": round(peak_mb),
    }
    for k, v in row.items():
        print(f"{k:>18}: {v}")
    RESULTS.parent.mkdir(exist_ok=True)
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
