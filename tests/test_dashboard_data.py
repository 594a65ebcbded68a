"""The dashboard on REAL results (made by `run.py run`): reading, checking, every page, the live run.

Pages are rendered by calling their real layout functions (no browser, no mocks); the browser
tests are in test_dashboard_browser.py.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import beta

from dashboard import contract, live, safety, stats
from dashboard.catalogue import load_view
from dashboard.data import ResultsError, ResultsSource, load_results
from dashboard.i18n import LANGS, t
from dashboard.pages import PAGES
from dashboard.pages.base import View
from dashboard.pages.overview import PAGE as OVERVIEW
from dashboard.pages.overview import TABLE, overview_table
from dashboard.tables import OVERVIEW_COLUMNS, overview_rows
from model.experiments import START, at_deadline, compare, scenario_file
from tests.dashboard_fixtures import copy_results


def test_load_results_reads_every_table_of_a_real_batch(results_dir, manifest):
    results = load_results(results_dir)
    assert set(results.scenario_names) == set(manifest["scenarios"])
    assert results.scenario_names[:2] == [contract.BASELINE, "as_enacted"]  # shown first
    for table, columns in (
        (results.timeseries(), contract.TIMESERIES_COLUMNS),
        (results.by_city(), contract.BY_CITY_COLUMNS),
        (results.summary, contract.SUMMARY_COLUMNS),
        (results.fiscal("as_enacted"), contract.FISCAL_COLUMNS),
    ):
        assert set(columns) <= set(table.columns)
        assert set(table["scenario"]) <= set(manifest["scenarios"])
    assert set(results.summary["scenario"]) == set(manifest["scenarios"])
    assert len(results.fiscal("as_enacted")) and results.fiscal(contract.BASELINE).empty
    assert results.timeseries("date")["date"].min() == START
    assert pd.api.types.is_datetime64_any_dtype(results.summary["month_doubled"])
    as_enacted = results.scenario("as_enacted")
    assert as_enacted.title_zh and as_enacted.title_en and as_enacted.levers


def _damage(folder: Path, manifest_change: dict | None = None, remove: str | None = None):
    if manifest_change is not None:
        path = folder / contract.MANIFEST
        path.write_text(json.dumps(json.loads(path.read_text()) | manifest_change))
    if remove:
        _remove(folder / remove)


def _remove(path: Path):
    """Remove a table: a file, or a folder of block files."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def _a_block(folder: Path, table: str) -> Path:
    """The first block file of a table folder."""
    return sorted((folder / table).iterdir())[0]


def test_only_the_columns_and_rows_asked_for_are_read(results_dir):
    results = load_results(results_dir)
    assert results.tables[contract.TIMESERIES].files == sorted(
        str(p) for p in (results_dir / contract.TIMESERIES).iterdir()
    )  # a folder of block files, read as one table
    one = results.timeseries("run", "n_registered", scenario="as_enacted")
    assert list(one.columns) == ["run", "n_registered"]
    assert len(one) == len(results.timeseries("scenario")) / len(results.scenario_names)
    whole = results.timeseries()
    end = at_deadline(whole)[["scenario", "run", "date", "n_registered", "n_operating"]]
    found = results.at_deadline()
    pd.testing.assert_frame_equal(
        found.sort_values(["scenario", "run"], ignore_index=True),
        end.sort_values(["scenario", "run"], ignore_index=True),
    )
    assert results.at_deadline() is found  # read once
    assert found["date"].max() == contract.DEADLINE


@pytest.mark.parametrize(
    ("change", "remove", "kind"),
    [
        ({"format_version": 0}, None, "old_version"),
        ({"format_version": None}, None, "old_version"),
        ({"format_version": contract.FORMAT_VERSION + 1}, None, "new_version"),
        (None, contract.SUMMARY, "empty"),
        (None, contract.MANIFEST, "empty"),
    ],
)
def test_a_folder_from_another_version_or_incomplete_is_refused_with_its_reason(
    results_dir,
    tmp_path,
    change,
    remove,
    kind,
):
    folder = copy_results(results_dir, tmp_path / "results")
    _damage(folder, change, remove)
    with pytest.raises(ResultsError) as caught:
        load_results(folder)
    assert caught.value.kind == kind


def test_missing_unreadable_and_incomplete_files_are_refused(results_dir, tmp_path):
    with pytest.raises(ResultsError, match="missing"):
        load_results(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError) as caught:
        load_results(tmp_path / "empty")
    assert caught.value.kind == "empty" and contract.MANIFEST in caught.value.detail

    folder = copy_results(results_dir, tmp_path / "corrupt")
    _a_block(folder, contract.TIMESERIES).write_bytes(b"not parquet")
    with pytest.raises(ResultsError) as caught:
        load_results(folder)
    assert caught.value.kind == "corrupt" and contract.TIMESERIES in caught.value.detail

    folder = copy_results(results_dir, tmp_path / "columns")
    block = _a_block(folder, contract.BY_CITY)
    pd.read_parquet(block).drop(columns="n_operating").to_parquet(block)
    with pytest.raises(ResultsError, match="n_operating"):
        load_results(folder)

    folder = copy_results(results_dir, tmp_path / "single-files")  # a table as one file
    pd.read_parquet(folder / contract.TIMESERIES).to_parquet(tmp_path / "whole.parquet")
    shutil.rmtree(folder / contract.TIMESERIES)
    shutil.move(tmp_path / "whole.parquet", folder / contract.TIMESERIES)
    assert len(load_results(folder).at_deadline()) == len(load_results(results_dir).summary)

    folder = copy_results(results_dir, tmp_path / "json")
    (folder / contract.MANIFEST).write_text("{not json")
    with pytest.raises(ResultsError) as caught:
        load_results(folder)
    assert caught.value.kind == "corrupt"


def test_fiscal_table_is_optional(results_dir, tmp_path):
    folder = copy_results(results_dir, tmp_path / "results")
    _remove(folder / contract.FISCAL)
    assert not load_results(folder).has_fiscal


def test_source_reloads_when_the_folder_changes(results_dir, tmp_path):
    folder = tmp_path / "results"
    source = ResultsSource(folder)
    with pytest.raises(ResultsError):
        source.get()
    copy_results(results_dir, folder)
    first = source.get()
    assert source.get() is first  # cached while nothing changes
    time.sleep(0.01)
    _damage(folder, {"format_version": 0})
    with pytest.raises(ResultsError, match="old_version"):
        source.get()


def test_overview_of_real_results(results_dir):
    results = load_results(results_dir)
    table = overview_table(results)
    assert list(table["scenario"].sort_values()) == sorted(results.scenario_names)
    assert table["p_doubled"].between(0, 1).all()
    assert (table["median_month"].isna() | (table["median_month"] <= contract.DEADLINE)).all()
    assert (table["end_registered_p05"] <= table["end_registered_p95"]).all()
    assert (table["end_operating_p50"] <= table["end_registered_p50"]).all()
    shares = table.set_index("scenario")["assumption_share_registered_p50"]
    assert pd.isna(shares[contract.BASELINE]) and shares["as_enacted"] > 0
    for lang in LANGS:
        page = str(OVERVIEW.layout(View(results, lang), OVERVIEW.render(View(results, lang))))
        assert t("overview.col.assumption_share_registered", lang) in page
        assert t("overview.note_assumption", lang) in page


def _p_doubled_cell(table, scenario: str) -> list:
    """The children of the P(doubled) cell of a scenario's row in an overview HTML table."""
    rows = table.children[1].children
    (row,) = [r for r in rows if r.to_plotly_json()["props"]["data-scenario"] == scenario]
    return row.children[OVERVIEW_COLUMNS.index("p_doubled")].children


def test_overview_shows_p_doubled_with_its_90_percent_interval(results_dir):
    """P(doubled) and, under it, its Jeffreys interval from the runs that doubled (by hand from
    summary.parquet: Beta(k + 1/2, n - k + 1/2), 0 below if k = 0, 1 above if k = n), in both
    languages, with the note saying what the interval is."""
    results = load_results(results_dir)
    doubled = pd.read_parquet(results_dir / "summary.parquet").set_index("scenario")["doubled"]
    for scenario in ("no_policy", "as_enacted"):
        k, n = int(doubled[scenario].sum()), len(doubled[scenario])
        low, high = beta.ppf([0.05, 0.95], k + 0.5, n - k + 0.5)
        low, high = (0.0 if k == 0 else low), (1.0 if k == n else high)
        for lang in LANGS:
            view = View(results, lang)
            rendered = OVERVIEW.render(view)
            share, interval = _p_doubled_cell(rendered.blocks[TABLE], scenario)
            assert share == f"{k / n:.0%}"
            assert interval.children == f"({low:.0%}–{high:.0%})"
            assert t("overview.note_probability", lang) in str(OVERVIEW.layout(view, rendered))


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_renders_from_real_results(results_dir, lang):
    results = load_results(results_dir)
    for page in PAGES:
        view = View(results, lang, {}, None)
        layout = page.layout(view, page.render(view))
        text = str(layout)
        assert "Traceback" not in text, page.name
        assert "figure" in text or not page.chart_ids, page.name  # 假设与来源 has tables only


@pytest.mark.parametrize(
    "choices",
    [
        {"lever-group": "department", "lever-scenario": "finance_only"},
        {"city-scenario": "no_policy", "city-year": 2022},
        {"comp-scenario": "finance_only", "traj-scenarios": ["finance_only", "no_policy"]},
        {"traj-scenarios": ["not_a_scenario"], "city-year": 1999},  # stale values fall back
    ],
)
def test_pages_render_with_other_choices(results_dir, choices):
    results = load_results(results_dir)
    for page in PAGES:
        rendered = page.render(View(results, "en", choices, None))
        assert set(rendered.charts) == set(page.chart_ids)
        assert set(rendered.blocks) == set(page.blocks)
        for figure, table in rendered.charts.values():
            assert figure.layout.title.text
            assert table is not None


def test_levers_page_finds_the_family_only_scenarios(results_dir):
    results = load_results(results_dir)
    catalogue = load_view()
    found = stats.single_family_scenarios(
        {s.name: s.levers for s in results.scenarios}, catalogue.lever_family
    )
    assert found.get("finance_only") == "finance"
    assert "as_enacted" not in found and contract.BASELINE not in found
    gains = stats.gains_over(
        results.at_deadline(), list(found), contract.BASELINE, ["n_registered", "n_operating"]
    )
    assert set(gains["scenario"]) == set(found)


def test_live_request_is_checked_before_anything_runs(manifest):
    request = live.make_request(
        "no_policy",
        {"registration_ease": 9, "credit_guarantee": "x", "__import__": 1},
        99,
        manifest,
        [lever.id for lever in load_view().levers],
    )
    assert request.intensities == {"registration_ease": 3.0, "credit_guarantee": 1.0}
    assert request.runs == min(live.MAX_RUNS, manifest["runs"])  # each pairs with a stored run
    assert request.seed == manifest["seed"] and request.scale == manifest["scale"]
    assert scenario_file("no_policy") is not None
    for name in ("../pyproject", "/etc/passwd", "no_policy.yaml", None):
        assert scenario_file(name) is None


def test_whatif_scenario_replaces_only_the_chosen_intensities():
    request = live.Request(
        "as_enacted",
        {"registration_ease": 2.0, "street_life": 0.0},
        runs=1,
        scale=200.0,
        until="2025-12",
        seed=1,
    )
    scenario = live.build_scenario(request)
    assert scenario.name == live.NAME
    assert scenario.levers["registration_ease"].intensity == 2.0
    assert "street_life" not in scenario.levers  # intensity 0 switches it off
    base = live.build_scenario(live.Request("as_enacted", {}, 1, 200.0, "2025-12", 1))
    assert scenario.levers["credit_guarantee"] == base.levers["credit_guarantee"]
    added = live.build_scenario(
        live.Request("no_policy", {"credit_guarantee": 1.5}, 1, 200.0, "2025-12", 1)
    )
    assert list(added.levers) == ["credit_guarantee"]
    assert added.levers["credit_guarantee"].knobs  # the document's knob values filled in


def test_live_payload_round_trips_through_json(results_dir):
    results = load_results(results_dir)
    one = results.timeseries(scenario="as_enacted")
    summary = results.summary[results.summary["scenario"] == "as_enacted"]
    request = live.Request("as_enacted", {}, 3, 200.0, "2025-12", 1)
    stored = live.with_ratio(results.at_deadline(), results.summary)
    payload = json.loads(json.dumps(live.payload(one, summary, request, stored)))
    bands = live.bands_of(payload, "n_registered")
    expected = stats.trajectory_bands(one, "n_registered")
    assert bands["p50"].tolist() == pytest.approx(expected["p50"].tolist())
    assert bands["date"].tolist() == expected["date"].tolist()
    row = live.overview_of(payload).iloc[0]
    assert row["end_registered_p50"] == pytest.approx(
        compare(summary, one)["end_registered_p50"].iloc[0]
    )
    checked = live.overview_of(safety.checked(live.RESULT, payload, "whatif-result"))
    (shown,) = overview_rows(checked.assign(scenario=live.NAME), {live.NAME: "?"}, "en")
    assert shown["p_doubled"][1].startswith("(")  # the interval survives the store's check


def test_a_live_run_pairs_with_the_stored_no_policy_runs_of_its_seeds(results_dir, manifest):
    """A what-if's cost per additional entity is measured against the stored no-policy runs with
    the same seeds: the stored as_enacted runs, as a live payload, give the overview's numbers,
    and no change against as_enacted itself."""
    results = load_results(results_dir)
    one = results.timeseries(scenario="as_enacted")
    summary = results.summary[results.summary["scenario"] == "as_enacted"]
    request = live.make_request("as_enacted", {}, 3, manifest, [])
    stored = live.with_ratio(results.at_deadline(), results.summary)
    payload = json.loads(json.dumps(live.payload(one, summary, request, stored)))
    row = live.overview_of(payload).iloc[0]
    overview = overview_table(results).set_index("scenario").loc["as_enacted"]
    for column in ("cost_per_additional_registered_p50", "cost_per_additional_operating_p50",
                   "assumption_share_registered_p50"):  # fmt: skip
        assert row[column] == pytest.approx(overview[column])
    changes = live.changes_of(payload).set_index(["against", "value"])
    assert (changes.loc["as_enacted", ["p05", "p50", "p95"]] == 0).all().all()
    gain = changes.loc[("no_policy", "n_registered"), "p50"]
    assert gain == pytest.approx(overview["additional_registered_p50"])
