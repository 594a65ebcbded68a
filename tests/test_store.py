"""The results store and the doubling summaries, on small hand-made tables (no simulation)."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from model import columns
from model.errors import InputError
from model.experiments import comparison as summary
from model.experiments import store
from model.experiments.store import PartialBatch, RunRecord
from model.world.clock import month_end

GROWTH = {"fast": np.linspace(100, 260, 61), "slow": np.linspace(100, 150, 61)}


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
    """A run as the simulation gives it: tables without `scenario` and `run`."""
    dates = pd.Series([month_end(-1)] * 2)
    by_city = pd.DataFrame({"date": dates, "city": ["taiyuan", "datong"],
                            "n_registered": [2.0, 1.0], "n_operating": [1.0, 1.0]})  # fmt: skip
    fiscal = pd.DataFrame(
        {"lever": ["e_licence"], "department": ["samr"], "cum_fiscal_cost": [5.0 + run]}
    )
    return RunRecord(
        scenario=scenario,
        run=run,
        seed=run + 100,
        timeseries=_timeseries(scenario, run, registered).drop(columns=["scenario", "run"]),
        by_city=by_city,
        fiscal=fiscal,
        start_stock=0.1 + run,
        lever_draws={"e_licence.entry.0": 1.0 / 3},
        evidence_only=_evidence_only(registered[-1] - 10, registered[-1] * 0.7 - 5),
        code_fingerprint="test",
    )


def _evidence_only(registered: float, operating: float) -> dict[str, float]:
    """A run's evidence-only end values, by summary column."""
    values = {"n_registered": float(registered), "n_operating": float(operating)}
    return {column: values[stock] for stock, column in columns.EVIDENCE_ONLY.items()}


def _variants(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Evidence-only end values for every run of a timeseries table: its own at the end month."""
    end = summary.at_deadline(timeseries)
    return end[["scenario", "run", *columns.EVIDENCE_ONLY]].rename(columns=columns.EVIDENCE_ONLY)


def _records(runs=(1, 0)) -> list[RunRecord]:
    return [_record(name, run, values) for name, values in GROWTH.items() for run in runs]


def _folder(out, records, manifest=None):
    """A finished folder written as a batch writes it: blocks kept, then published."""
    partial = PartialBatch(out)
    partial.start({"test": 1})
    blocks: dict[str, list[RunRecord]] = {}
    for record in records:
        blocks.setdefault(store.block_of(record.scenario, record.run), []).append(record)
    for name, block in blocks.items():
        partial.save(name, block)
    manifest = (
        {"format_version": columns.FORMAT_VERSION, "scenarios": {}}
        if manifest is None
        else manifest
    )
    store.write_results(out, [partial.path(name) for name in sorted(blocks)], manifest)
    partial.remove()
    partial.release()
    return out


def _files(folder) -> dict[str, bytes]:
    """Every file of a results folder (table folders included) by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.parquet")
            if p.is_file()}  # fmt: skip


# --- the file contract ---------------------------------------------------------------------


def test_conform_orders_columns_fixes_dtypes_and_sorts_rows():
    table = store.assemble(_records()).timeseries.sample(frac=1, random_state=1)
    conformed = store.conform("timeseries", table[list(reversed(table.columns))])
    assert tuple(conformed.columns) == columns.COLUMNS["timeseries"]
    assert str(conformed["date"].dtype) == "datetime64[ms]"
    assert conformed["run"].dtype == np.int32
    keys = conformed[["scenario", "run", "date"]]
    assert keys.equals(keys.sort_values(["scenario", "run", "date"], ignore_index=True))


def test_assembled_runs_carry_their_keys_whatever_order_they_came_in():
    tables = store.assemble(_records())
    again = store.assemble(list(reversed(_records())))
    for name, table in tables.items():
        assert tuple(table.columns) == columns.COLUMNS[name]
        pd.testing.assert_frame_equal(table, getattr(again, name), check_exact=True)
    fiscal = tables.fiscal.set_index(["scenario", "run"])["cum_fiscal_cost"]
    assert fiscal[("slow", 1)] == 6.0 and fiscal[("fast", 0)] == 5.0
    assert tables.summary["doubled"].tolist() == [True, True, False, False]  # fast, then slow
    variants = tables.summary.set_index(["scenario", "run"])[list(columns.EVIDENCE_ONLY.values())]
    assert variants.loc[("fast", 1)].tolist() == [250.0, 260 * 0.7 - 5]  # as each record says


def test_contract_columns_match_the_design():
    assert columns.COLUMNS["timeseries"][:4] == ("scenario", "run", "date", "n_registered")
    assert columns.COLUMNS["timeseries"][-2:] == ("n_employed", "cum_fiscal_cost")
    assert len(columns.COLUMNS["timeseries"]) == 3 + 12 + 7 + 2
    assert columns.COLUMNS["summary"][-2:] == (
        "evidence_only_registered",
        "evidence_only_operating",
    )
    assert columns.COLUMNS["by_city"] == ("scenario", "run", "date", "city", "n_registered",
                                        "n_operating")  # fmt: skip
    assert columns.COLUMNS["fiscal"] == (
        "scenario",
        "run",
        "lever",
        "department",
        "cum_fiscal_cost",
    )


def test_blocks_are_runs_of_one_scenario(monkeypatch):
    assert store.block_of("as_enacted", 0) == store.block_of("as_enacted", store.BLOCK_RUNS - 1)
    monkeypatch.setattr(store, "BLOCK_RUNS", 3)
    names = [store.block_of("no-policy", run) for run in range(7)]
    assert names == ["no-policy-000000"] * 3 + ["no-policy-000003"] * 3 + ["no-policy-000006"]


# --- finished folders ----------------------------------------------------------------------


def test_finished_folder_holds_one_file_per_block_and_reads_back_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BLOCK_RUNS", 1)
    out = _folder(tmp_path / "out", _records())
    assert sorted(p.name for p in out.iterdir()) == [
        "by_city.parquet", "fiscal.parquet", "manifest.json", "summary.parquet",
        "timeseries.parquet",
    ]  # fmt: skip
    assert (out / "summary.parquet").is_file()
    blocks = ["fast-000000.parquet", "fast-000001.parquet", "slow-000000.parquet",
              "slow-000001.parquet"]  # fmt: skip
    for name in store.RUN_TABLES:
        assert sorted(p.name for p in (out / f"{name}.parquet").iterdir()) == blocks
        schema = pq.read_schema(out / f"{name}.parquet" / blocks[0])
        assert schema.names == list(columns.COLUMNS[name])  # scenario is a column of every file
    whole = pd.read_parquet(out / "timeseries.parquet")
    assert whole["scenario"].dtype == "str" and len(whole) == 4 * 61  # not a hive category
    manifest, read = store.read_results(out)
    assert manifest["format_version"] == columns.FORMAT_VERSION
    for name, table in store.assemble(_records()).items():
        pd.testing.assert_frame_equal(getattr(read, name), table, check_exact=True)


def test_the_same_runs_give_identical_files_whatever_order_they_finished_in(tmp_path):
    first = _folder(tmp_path / "a", _records(runs=(0, 1)))
    second = _folder(tmp_path / "b", list(reversed(_records(runs=(1, 0)))))
    assert _files(first) == _files(second) and len(_files(first)) == 3 * 2 + 1


def test_replacing_a_finished_folder_leaves_only_the_new_one(tmp_path):
    out = tmp_path / "out"
    _folder(out, _records(), {"format_version": columns.FORMAT_VERSION, "which": "old"})
    (tmp_path / ".out.old-crashed").mkdir()  # as left by a crash between the two renames
    _folder(out, _records(), {"format_version": columns.FORMAT_VERSION, "which": "new"})
    assert json.loads((out / "manifest.json").read_text())["which"] == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_crash_while_writing_keeps_the_old_folder_and_no_half_written_one(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _folder(out, _records(), {"format_version": columns.FORMAT_VERSION, "which": "old"})
    calls, real_link = [], store._link

    def failing_link(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError("disk full")
        real_link(source, target)

    monkeypatch.setattr(store, "_link", failing_link)
    with pytest.raises(OSError, match="disk full"):
        _folder(out, _records(), {"format_version": columns.FORMAT_VERSION, "which": "new"})
    assert json.loads((out / "manifest.json").read_text())["which"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.partial", "out"]  # kept to resume


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
    out = _folder(tmp_path / "out", _records())
    (out / "manifest.json").unlink()
    with pytest.raises(InputError, match="not a finished batch"):
        store.read_results(out)
    with pytest.raises(InputError, match="does not exist"):
        store.format_comparison(tmp_path / "absent", "table")


# --- reading only what is needed -------------------------------------------------------------


def test_rows_and_columns_are_read_as_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BLOCK_RUNS", 1)
    out = _folder(tmp_path / "out", _records())
    table = store.open_table(out / "timeseries.parquet", columns.COLUMNS["timeseries"])
    slow = store.read_rows(table, ["run", "n_registered"], scenario="slow")
    assert list(slow.columns) == ["run", "n_registered"] and len(slow) == 2 * 61
    assert slow["n_registered"].max() == 150
    assert store.read_rows(table, ["run"], scenario="slow", run=1)["run"].tolist() == [1] * 61
    whole = store.read_results(out)[1].timeseries
    end = summary.at_deadline(whole)[["scenario", "run", "date", "n_registered", "n_operating"]]
    found = store.deadline_rows(table).sort_values(["scenario", "run"], ignore_index=True)
    pd.testing.assert_frame_equal(found, end, check_exact=True)


def test_the_deadline_rows_of_a_longer_horizon_are_those_of_2025_12(tmp_path):
    records = [_record("late", run, np.linspace(100, 230 + run, 85)) for run in (0, 1)]
    out = _folder(tmp_path / "out", records)
    table = store.open_table(out / "timeseries.parquet", ["date"])
    end = store.deadline_rows(table, ["n_registered"])
    assert end["date"].tolist() == [month_end(59)] * 2 and len(end.columns) == 4


def test_a_table_file_without_a_column_or_unreadable_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BLOCK_RUNS", 1)
    out = _folder(tmp_path / "out", _records())
    path = out / "by_city.parquet"
    one = path / "slow-000001.parquet"
    pd.read_parquet(one).drop(columns="n_operating").to_parquet(one)  # one block of four
    with pytest.raises(InputError, match="slow-000001.parquet: no column n_operating"):
        store.open_table(path, columns.COLUMNS["by_city"])
    one.write_bytes(b"not parquet")
    with pytest.raises(InputError, match="by_city.parquet: unreadable"):
        store.read_results(out)


# --- the work folder of an unfinished batch --------------------------------------------------


def test_partial_batch_keeps_blocks_and_the_draws_of_their_runs(tmp_path):
    partial = PartialBatch(tmp_path / "out")
    identity = {"runs": 2, "seed": 1}
    partial.check(identity)
    partial.start(identity)
    records = [_record("fast", run, np.linspace(100, 250, 61)) for run in (1, 0)]
    partial.save("fast-000000", records)
    assert partial.has("fast-000000") and not partial.has("slow-000000")
    expected = store.assemble(records)
    for name, table in expected.items():
        back = pd.read_parquet(partial.path("fast-000000") / f"{name}.parquet")
        pd.testing.assert_frame_equal(back, table, check_exact=True)
    assert partial.runs(["fast-000000"]) == [
        {"scenario": "fast", "run": run, "seed": 100 + run, "start_stock": 0.1 + run,
         "lever_draws": {"e_licence.entry.0": 1 / 3}}
        for run in (0, 1)
    ]  # fmt: skip
    assert partial.folder.name == ".out.partial"


def test_partial_batch_of_another_identity_is_refused_by_name(tmp_path):
    partial = PartialBatch(tmp_path / "out")
    partial.start({"runs": 2, "seed": 1})
    partial.save("fast-000000", [_record("fast", 0, np.linspace(100, 250, 61))])
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


def test_blocks_half_written_when_stopped_are_dropped_on_restart(tmp_path):
    partial = PartialBatch(tmp_path / "out")
    partial.start({"runs": 1})
    (partial.blocks / ".tmp-dead").mkdir()
    partial.start({"runs": 1})
    assert list(partial.blocks.iterdir()) == []


def test_publishing_links_the_block_files_without_rewriting_them(tmp_path):
    partial = PartialBatch(tmp_path / "out")
    partial.start({"runs": 1})
    partial.save("fast-000000", [_record("fast", 0, GROWTH["fast"])])
    kept = partial.path("fast-000000") / "timeseries.parquet"
    before = os.stat(kept)
    store.write_results(
        tmp_path / "out", [partial.path("fast-000000")], {"format_version": columns.FORMAT_VERSION}
    )
    after = os.stat(tmp_path / "out" / "timeseries.parquet" / "fast-000000.parquet")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# --- summaries and the comparison ------------------------------------------------------------


def test_summary_follows_the_doubling_definitions():
    months = np.arange(61)
    ts = pd.concat(
        [
            _timeseries("a", 0, 100 + 5 * months, cost=10 * months),  # doubles in 2022-08
            _timeseries("a", 1, np.full(61, 100.0), cost=np.full(61, 7.0)),  # no growth
        ]
    )
    summarized = summary.summarize(ts, _variants(ts))
    assert tuple(summarized.columns) == columns.SUMMARY_COLUMNS
    table = summarized.set_index("run")
    assert table.loc[0, "doubled"] and table.loc[0, "month_doubled"] == month_end(19)
    assert table.loc[0, "end_registered"] == 400 and table.loc[0, "ratio"] == 4
    assert not table.loc[1, "doubled"] and pd.isna(table.loc[1, "month_doubled"])


def test_doubling_after_the_deadline_is_recorded_but_not_counted():
    ts = _timeseries("late", 0, np.linspace(100, 230, 85))  # to 2027-12, doubles in 2026
    row = summary.summarize(ts, _variants(ts)).iloc[0]
    assert not row["doubled"]
    assert month_end(59) < row["month_doubled"] <= month_end(83)
    assert row["end_registered"] == ts[ts["date"] == month_end(59)]["n_registered"].iloc[0]


def test_a_short_horizon_ends_at_its_last_month():
    ts = _timeseries("short", 0, np.linspace(100, 150, 25))
    row = summary.summarize(ts, _variants(ts)).iloc[0]
    assert row["end_registered"] == 150


def test_comparison_of_scenarios_in_every_format(tmp_path):
    manifest = {"format_version": columns.FORMAT_VERSION, "scenarios": {"slow": {}, "fast": {}}}
    out = _folder(tmp_path / "out", _records(), manifest)
    rows = json.loads(store.format_comparison(out, "json"))
    assert [r["scenario"] for r in rows] == ["slow", "fast"]  # the manifest's order
    fast = rows[1]
    assert fast["p_doubled"] == 1.0 and fast["median_month"] is not None
    assert rows[0]["p_doubled"] == 0.0 and rows[0]["median_month"] is None
    assert fast["end_registered_p50"] == pytest.approx(260)
    csv = store.format_comparison(out, "csv").splitlines()
    assert csv[0].startswith(
        "scenario,runs,end_month,p_doubled,p_doubled_p05,p_doubled_p95,median_month"
    )
    assert len(csv) == 3
    text = store.format_comparison(out, "table")
    assert "not within horizon" in text and "100%" in text
