"""Pictures: the Charts sheet (native Excel charts) and the self-contained HTML report."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from optimizer import example, solve, write_report, write_results
from optimizer.charts import CAP_SERIES, chart_table
from optimizer.cli import main

from .test_diagnose import caps_too_tight

SVG = "{http://www.w3.org/2000/svg}svg"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def example_result():
    return solve(example.example_data())


def test_chart_table_stacks_every_mineral_to_its_supply_and_marks_the_cap(example_result):
    """Each mineral's country shares add up to 1 (all demand is met); the cap marker is the
    cap of the mineral's largest country (gallium: China 80 %, set by CountryCaps)."""
    table = chart_table(example_result)
    shares = table[(table["chart"] == "country shares") & (table["series"] != CAP_SERIES)]
    assert shares.groupby("category")["value"].sum().to_dict() == pytest.approx(
        {m: 1.0 for m in example_result.minerals["mineral"]})
    cap = table[table["series"] == CAP_SERIES].set_index("category")["value"]
    assert cap["gallium"] == pytest.approx(0.8)
    budget = table[table["chart"] == "budget use"].set_index("series")["value"]
    assert budget["used"] + budget["left"] == pytest.approx(70_000_000)


def test_results_workbook_carries_live_charts_and_explained_columns(example_result, tmp_path):
    out = write_results(example_result, tmp_path / "plan.xlsx")
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(z.read(n).decode() for n in charts)
    assert len(charts) == 4  # shares, cost breakdown, price of the caps, budget use
    assert '<grouping val="stacked"' in xml and "'Charts'!$D$" in xml
    wb = openpyxl.load_workbook(out)
    header = {c.value: c for c in wb["CountryShares"][1]}
    assert "chosen projects and contracts" in header["saving_per_point"].comment.text
    header = {c.value: c for c in wb["Allocations"][1]}
    assert "chosen projects and contracts" in header["capacity_value"].comment.text


def parse(path: Path) -> ET.Element:
    """The report must be well-formed XML (XHTML syntax) with no external resource."""
    text = path.read_text(encoding="utf-8")
    for needle in ("http://", "https://", "<script", "<link"):
        allowed = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml")
        rest = text
        for a in allowed:
            rest = rest.replace(a, "")
        assert needle not in rest, needle
    return ET.fromstring(text.split("\n", 1)[1])  # after <!DOCTYPE html>


def test_report_is_well_formed_with_the_tables_and_four_svg_charts(example_result, tmp_path):
    root = parse(write_report(example_result, tmp_path / "plan.html"))
    assert len(list(root.iter(SVG))) == 4
    headings = [h.text for h in root.iter(f"{XHTML}h2")]
    for heading in ("Summary", "Charts", "Minerals", "Allocations", "Country shares",
                    "Investments", "Budgets", "Checks"):
        assert heading in headings
    cells = [td.text for td in root.iter(f"{XHTML}td")]
    assert "cost_without_caps" in cells and "US Texas REO separation" in cells


def test_report_of_an_infeasible_result_explains_it(tmp_path):
    root = parse(write_report(solve(caps_too_tight()), tmp_path / "none.html"))
    text = "".join(root.itertext())
    assert "Why there is no plan" in text and "CountryCaps row 2" in text


def test_report_never_overwrites_the_input(tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"input")
    from optimizer import OutputError

    with pytest.raises(OutputError):
        write_report(solve(caps_too_tight()), source, [source])
    assert source.read_bytes() == b"input"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_report_opens_in_headless_chromium_without_errors(example_result, tmp_path):
    page = write_report(example_result, tmp_path / "plan.html")
    shot = tmp_path / "plan.png"
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--window-size=1200,2000",
         f"--screenshot={shot}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 10_000
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line
               or "Uncaught" in line or "net::ERR" in line]
    assert not console, console
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom",
         page.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.stdout.count("<svg") == 4 and "Country shares of each mineral" in dom.stdout


# --- the CLI -----------------------------------------------------------------------------------
@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def infeasible_workbook(tmp_path: Path) -> Path:
    from optimizer.template import write_input_workbook

    frames = caps_too_tight().to_frames()
    sheets = {k: v for k, v in frames.items() if len(v)}
    return write_input_workbook(sheets, tmp_path / "tight.xlsx")


def test_cli_infeasible_exits_3_explains_on_stderr_and_writes_summary_and_diagnosis(run,
                                                                                    tmp_path):
    source = infeasible_workbook(tmp_path)
    result = run("solve", source, "-o", tmp_path / "out.xlsx", "--report",
                 tmp_path / "out.html")
    assert result.exit_code == 3
    assert "cannot be met while China <= 50 %" in result.stderr
    assert "raise China's cap for gallium (CountryCaps row" in result.stderr
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert wb.sheetnames == ["Summary", "Diagnosis"]
    header = [c.value for c in wb["Diagnosis"][1]]
    assert header[:3] == ["conflict", "explanation", "option"]
    assert {r[3] for r in wb["Diagnosis"].iter_rows(min_row=2, values_only=True)} == \
        {"country_cap", "offer_capacity", "demand"}
    assert (tmp_path / "out.html").exists()


def test_cli_report_writes_the_html_page(run, tmp_path):
    result = run("solve", "-o", tmp_path / "plan.xlsx", "--report", tmp_path / "plan.html")
    assert result.exit_code == 0, result.output
    assert f"Report written to {tmp_path / 'plan.html'}" in result.stdout
    parse(tmp_path / "plan.html")


def test_cli_json_has_cost_without_caps_unless_skipped(run, tmp_path):
    import json

    plain = json.loads(run("solve", "-o", tmp_path / "a.xlsx", "--json").stdout)
    skipped = json.loads(run("solve", "-o", tmp_path / "b.xlsx", "--json",
                             "--no-cost-without-caps").stdout)
    assert plain["cost_without_caps"] < plain["total_cost"]
    assert skipped["cost_without_caps"] is None
