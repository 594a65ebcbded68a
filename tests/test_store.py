"""The results store and the doubling summaries, on small hand-made tables (no simulation)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model import columns
from model.errors import InputError
from model.experiments import comparison as summary
from model.experiments import store
from model.experiments.store import BatchTables, PartialBatch, RunRecord
from model.world.clock import month_end


def _timeseries(scenario: str, run: int, registered, *, cost=None) -> pd.DataFrame:
    """A timeseries table from end-2020 on with the given n_registered (other values filled)."""
    registered = np.asarray(registered, dtype=float)
    table = pd.DataFrame({name: 1.0 for name in columns.VALUES}, index=range(len(registered)))
    table["n_registered"] = registered
    table["n_operating"] = registered * 0.7
    table["cum_fiscal_cost"] = 0.0 if cost is None else np.asarray(cost, dtype=float)
    table.insert(0, "date", [month_end(t) for t in range(-1, len(registered) - 1)])
    return store.conform("timeseries", table.assign(scenario=scenario, run=run))


def _record(scenario: str, run: int, registered) -> RunRecord:
    keys = {"scenario": scenario, "run": run}
    dates = pd.Series([month_end(-1)] * 2)
    by_city = pd.DataFrame({"date": dates, "city": ["taiyuan", "datong"],
                            "n_registered": [2.0, 1.0], "n_operating": [1.0, 1.0]})  # fmt: skip
    fiscal = pd.DataFrame(
        {"lever": ["e_licence"], "department": ["samr"], "cum_fiscal_cost": [5.0]}
    )
    return RunRecord(
        **keys,
        seed=run + 100,
        timeseries=_timeseries(scenario, run, registered),
        by_city=store.conform("by_city", by_city.assign(**keys)),
        fiscal=store.conform("fiscal", fiscal.assign(**keys)),
        start_stock=0.1 + run,
        lever_draws={"e_licence.entry.0": 1.0 / 3},
    )


def _tables() -> BatchTables:
    from model.experiments.ensemble import assemble

    growth = {"fast": np.linspace(100, 260, 61), "slow": np.linspace(100, 150, 61)}
    return assemble(_record(name, run, values) for name, values in growth.items() for run in (1, 0))


# --- the file contract ---------------------------------------------------------------------


def test_conform_orders_columns_fixes_dtypes_and_sorts_rows():
    table = _tables().timeseries.sample(frac=1, random_state=1)
    conformed = store.conform("timeseries", table[list(reversed(table.columns))])
    assert tuple(conformed.columns) == columns.COLUMNS["timeseries"]
    assert str(conformed["date"].dtype) == "datetime64[ms]"
    assert conformed["run"].dtype == np.int32
    keys = conformed[["scenario", "run", "date"]]
    assert keys.equals(keys.sort_values(["scenario", "run", "date"], ignore_index=True))


def test_contract_columns_match_the_design():
    assert columns.COLUMNS["timeseries"][:4] == ("scenario", "run", "date", "n_registered")
    assert columns.COLUMNS["timeseries"][-2:] == ("n_employed", "cum_fiscal_cost")
    assert len(columns.COLUMNS["timeseries"]) == 3 + 11 + 5 + 2
    assert columns.COLUMNS["by_city"] == ("scenario", "run", "date", "city", "n_registered",
                                        "n_operating")  # fmt: skip
    assert columns.COLUMNS["fiscal"] == (
        "scenario",
        "run",
        "lever",
        "department",
        "cum_fiscal_cost",
    )


# --- finished folders ----------------------------------------------------------------------


def test_write_then_read_gives_the_same_tables_and_identical_bytes(tmp_path):
    tables = _tables()
    first = store.write_results(tmp_path / "a", tables, {"format_version": 1, "scenarios": {}})
    second = store.write_results(tmp_path / "b", tables, {"format_version": 1, "scenarios": {}})
    manifest, read = store.read_results(first)
    assert manifest["format_version"] == 1
    for name, table in tables.items():
        pd.testing.assert_frame_equal(getattr(read, name), table, check_exact=True)
        assert (first / f"{name}.parquet").read_bytes() == (second / f"{name}.parquet").read_bytes()


def test_replacing_a_finished_folder_leaves_only_the_new_one(tmp_path):
    out = tmp_path / "out"
    store.write_results(out, _tables(), {"format_version": 1, "which": "old"})
    (tmp_path / ".out.old-crashed").mkdir()  # as left by a crash between the two renames
    store.write_results(out, _tables(), {"format_version": 1, "which": "new"})
    assert json.loads((out / "manifest.json").read_text())["which"] == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_crash_while_writing_keeps_the_old_folder_and_no_half_written_one(tmp_path, monkeypatch):
    out = tmp_path / "out"
    store.write_results(out, _tables(), {"format_version": 1, "which": "old"})
    calls = []

    def failing_write(table, path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        store.pq.write_table(store.pa.Table.from_pandas(table, preserve_index=False), path)

    monkeypatch.setattr(store, "write_table", failing_write)
    with pytest.raises(OSError, match="disk full"):
        store.write_results(out, _tables(), {"format_version": 1, "which": "new"})
    assert json.loads((out / "manifest.json").read_text())["which"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_targets_that_are_files_or_foreign_folders_are_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        store.check_target(tmp_path / "file")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="no manifest.json"):
        store.check_target(tmp_path / "mine")
    (tmp_path / "empty").mkdir()
    store.check_target(tmp_path / "empty")
    store.check_target(tmp_path / "absent")
    with pytest.raises(InputError, match="is a file"):
        store.check_target(tmp_path / "file" / "below" / "out")


def test_a_folder_without_manifest_is_not_a_finished_batch(tmp_path):
    out = store.write_results(tmp_path / "out", _tables(), {"format_version": 1})
    (out / "manifest.json").unlink()
    with pytest.raises(InputError, match="not a finished batch"):
        store.read_results(out)
    with pytest.raises(InputError, match="does not exist"):
        store.format_comparison(tmp_path / "absent", "table")


# --- the work folder of an unfinished batch --------------------------------------------------


def test_partial_batch_keeps_runs_and_gives_them_back_unchanged(tmp_path):
    partial = PartialBatch(tmp_path / "out")
    identity = {"runs": 2, "seed": 1}
    partial.check(identity)
    partial.start(identity)
    record = _record("fast", 1, np.linspace(100, 250, 61))
    partial.save(record)
    assert partial.has("fast", 1) and not partial.has("fast", 0)
    back = partial.load("fast", 1)
    for name in ("timeseries", "by_city", "fiscal"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(record, name), check_exact=True)
    assert (back.seed, back.start_stock, back.lever_draws) == (
        101,
        1.1,
        {"e_licence.entry.0": 1 / 3},
    )
    assert partial.folder.name == ".out.partial"


def test_partial_batch_of_another_identity_is_refused_by_name(tmp_path):
    partial = PartialBatch(tmp_path / "out")
    partial.start({"runs": 2, "seed": 1})
    partial.save(_record("fast", 0, np.linspace(100, 250, 61)))
    with pytest.raises(InputError, match=r"other settings \(seed\).*remove the folder"):
        partial.check({"runs": 2, "seed": 2})
    partial.check({"runs": 2, "seed": 1})


def test_two_batches_never_write_into_the_same_folder_at_once(tmp_path):
    first, second = PartialBatch(tmp_path / "out"), PartialBatch(tmp_path / "out")
    first.start({"runs": 1})
    with pytest.raises(InputError, match="another batch is writing"):
        second.start({"runs": 1})
    first.release()
    second.start({"runs": 1})
    second.release()


def test_runs_half_written_when_stopped_are_dropped_on_restart(tmp_path):
    partial = PartialBatch(tmp_path / "out")
    partial.start({"runs": 1})
    (partial.runs / ".tmp-dead").mkdir()
    partial.start({"runs": 1})
    assert list(partial.runs.iterdir()) == []


# --- summaries and the comparison ------------------------------------------------------------


def test_summary_follows_the_doubling_definitions():
    months = np.arange(61)
    ts = pd.concat(
        [
            _timeseries("a", 0, 100 + 5 * months, cost=10 * months),  # doubles in 2022-08
            _timeseries("a", 1, np.full(61, 100.0), cost=np.full(61, 7.0)),  # no growth
        ]
    )
    summarized = summary.summarize(ts)
    assert tuple(summarized.columns) == summary.SUMMARY_COLUMNS
    table = summarized.set_index("run")
    assert table.loc[0, "doubled"] and table.loc[0, "month_doubled"] == month_end(19)
    assert table.loc[0, "end_registered"] == 400 and table.loc[0, "ratio"] == 4
    assert table.loc[0, "cost_per_net_new"] == pytest.approx(600 / 300)
    assert not table.loc[1, "doubled"] and pd.isna(table.loc[1, "month_doubled"])
    assert np.isnan(table.loc[1, "cost_per_net_new"])


def test_doubling_after_the_deadline_is_recorded_but_not_counted():
    ts = _timeseries("late", 0, np.linspace(100, 230, 85))  # to 2027-12, doubles in 2026
    row = summary.summarize(ts).iloc[0]
    assert not row["doubled"]
    assert month_end(59) < row["month_doubled"] <= month_end(83)
    assert row["end_registered"] == ts[ts["date"] == month_end(59)]["n_registered"].iloc[0]


def test_a_short_horizon_ends_at_its_last_month():
    row = summary.summarize(_timeseries("short", 0, np.linspace(100, 150, 25))).iloc[0]
    assert row["end_registered"] == 150


def test_comparison_of_scenarios_in_every_format(tmp_path):
    out = store.write_results(
        tmp_path / "out", _tables(), {"format_version": 1, "scenarios": {"slow": {}, "fast": {}}}
    )
    rows = json.loads(store.format_comparison(out, "json"))
    assert [r["scenario"] for r in rows] == ["slow", "fast"]  # the manifest's order
    fast = rows[1]
    assert fast["p_doubled"] == 1.0 and fast["median_month"] is not None
    assert rows[0]["p_doubled"] == 0.0 and rows[0]["median_month"] is None
    assert fast["end_registered_p50"] == pytest.approx(260)
    csv = store.format_comparison(out, "csv").splitlines()
    assert csv[0].startswith("scenario,runs,end_month,p_doubled,median_month")
    assert len(csv) == 3
    text = store.format_comparison(out, "table")
    assert "not within horizon" in text and "100%" in text
