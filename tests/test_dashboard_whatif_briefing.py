"""The what-if for a briefing (issue 15 defects 1 and 6, build 3): like for like, its feedback,
share links and named what-ifs saved as scenario files.

Real results (`results_dir`: `run.py run` of every scenario, 3 runs, scale 200), real live runs
(in this process for the model's part, in the server's job process for the page), a real
`run.py dashboard` with its own `--saved-scenarios` folder, Debian's headless Chromium, fresh
browser contexts for share links (`chromium`), and `run.py run` on a saved file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest

from dashboard import live, share
from dashboard.catalogue import load_view
from dashboard.data import load_results
from dashboard.formats import format_number
from dashboard.i18n import t
from dashboard.pages import whatif
from dashboard.pages.base import Many
from model.experiments import InputError, load_scenario, run_again, save_scenario
from tests.batch_fixtures import run_cli
from tests.dashboard_fixtures import ROOT, server_process

LEVER = "registration_ease"  # 一网通办 (art. 8): its gain over as_enacted is clearly positive
DEADLINE = pd.Timestamp("2025-12-31")


def lever_ids() -> list[str]:
    return [lever.id for lever in load_view().levers]


def stored_table(results_dir: Path, name: str, scenario: str, runs: int) -> pd.DataFrame:
    """Rows of a stored Parquet table (dataset) of one scenario's first runs."""
    table = pd.read_parquet(results_dir / name, filters=[("scenario", "==", scenario)])
    return table[table["run"] < runs].sort_values(["run", *table.columns[2:3]])


# --- the model's part: like for like ----------------------------------------------------------


def test_an_unchanged_whatif_reruns_the_stored_runs_bit_for_bit(results_dir, manifest):
    """Run r of a what-if is stored run r again (seed, parameter draw, scale from the manifest):
    unchanged, every value of every month equals the stored Parquet, and every paired change
    against its base is 0."""
    request = live.make_request("as_enacted", {}, 2, manifest, lever_ids())
    batch = run_again([live.build_scenario(request)], manifest, request.runs)
    stored = stored_table(results_dir, "timeseries.parquet", "as_enacted", 2)
    again = batch.timeseries.sort_values(["run", "date"])
    values = [c for c in stored.columns if c not in ("scenario", "date", "run")]
    assert len(again) == len(stored) > 0
    np.testing.assert_array_equal(again[values].to_numpy(), stored[values].to_numpy())
    results = load_results(results_dir)
    payload = live.payload(
        batch.timeseries,
        batch.summary,
        request,
        live.with_ratio(results.at_deadline(), results.summary),
    )
    changes = live.changes_of(payload).set_index(["against", "value"])
    assert (changes.loc["as_enacted", ["p05", "p50", "p95"]] == 0).all().all()
    assert (changes.loc["no_policy", "p50"] > 0).all()
    assert payload["same_code"] is True


def test_paired_changes_of_ratio_and_count_agree_in_direction(results_dir, manifest):
    """A changed what-if: run by run, the ratio to end-2020 and the count move the same way (the
    paired runs start from the same stock), so do their medians and bands."""
    results = load_results(results_dir)
    stored = live.with_ratio(results.at_deadline(), results.summary)
    for intensity in (0.0, 3.0):  # off (less than as enacted) and three times the document's
        request = live.make_request("as_enacted", {LEVER: intensity}, 2, manifest, lever_ids())
        payload = live.run(request, manifest, stored)
        changes = live.changes_of(payload).set_index(["against", "value"])
        for against in ("as_enacted", "no_policy"):
            for band in ("p05", "p50", "p95"):
                count = changes.loc[(against, "n_registered"), band]
                ratio = changes.loc[(against, "ratio"), band]
                assert np.sign(count) == np.sign(ratio), (intensity, against, band)
        gain = changes.loc[("as_enacted", "n_registered"), "p50"]
        assert gain < 0 if intensity == 0 else gain > 0


def test_a_whatif_reruns_only_runs_the_batch_has(manifest):
    scenario = live.build_scenario(live.make_request("no_policy", {}, 1, manifest, []))
    for runs in (0, manifest["runs"] + 1):
        with pytest.raises(InputError, match="runs must be 1 to"):
            run_again([scenario], manifest, runs)
    with pytest.raises(InputError, match="manifest.json"):
        run_again([scenario], {"scale": 200}, 1)


def test_every_shipped_scenario_saved_under_a_new_name_loads_as_itself(tmp_path):
    """`save_scenario` spells every lever value out (no `extends`), validates by loading, never
    replaces a file and leaves nothing half-written."""
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        saved = save_scenario(scenario, tmp_path, f"saved_{path.stem}", ("标题", "title"))
        again = load_scenario(saved)
        assert (again.levers, again.fidelity) == (scenario.levers, scenario.fidelity), path
    before = sorted(tmp_path.iterdir())
    refusals = {
        "saved_as_enacted": "exists already",
        "no_policy": "is taken",
        "../up": "snake_case",
        "Upper": "snake_case",
        "": "snake_case",
    }
    for name, message in refusals.items():
        with pytest.raises(InputError, match=message):
            save_scenario(scenario, tmp_path, name, ("t", "t"), taken={"no_policy"})
    assert sorted(tmp_path.iterdir()) == before  # no temporary folder left, nothing replaced


def test_the_default_runs_fit_in_a_few_seconds_and_never_exceed_the_stored_runs(manifest):
    assert live.default_runs(manifest) == min(manifest["runs"], live.max_runs(manifest))
    bigger = manifest | {"run_seeds": list(range(100)), "scale": 200.0}
    assert live.max_runs(bigger) == live.MAX_RUNS
    fit = live.default_runs(bigger)
    assert 1 <= fit <= live.MAX_RUNS
    assert fit * (live.SECONDS_PER_RUN + live.SECONDS_PER_ROW_SCALE / 200) <= live.BUDGET_S
    assert live.default_runs(bigger | {"scale": 1.0}) == 1  # full scale: one run


def test_a_link_is_read_against_the_controls_choices_and_bad_values_are_named(results_dir):
    allowed = share.link_choices(load_results(results_dir))
    assert allowed[whatif.BASE] and isinstance(allowed[whatif.LEVERS], Many)
    query = urlencode(
        [
            ("lang", "en"),
            (whatif.BASE, "as_enacted"),
            (whatif.RUNS, "2"),
            (whatif.LEVERS, LEVER),
            (whatif.INTENSITY + LEVER, "2.5"),
            (whatif.INTENSITY + "bank_credit", "1e309"),
            (whatif.RUNS + "x", "1"),
            (whatif.COMPARE, "no_policy"),
            (whatif.COMPARE, "../../etc/passwd"),
            ("lang", "fr"),
        ]
    )
    link = share.read_link("?" + query, allowed)
    assert link.selections == {
        whatif.BASE: "as_enacted",
        whatif.RUNS: 2,
        whatif.LEVERS: [LEVER],
        whatif.INTENSITY + LEVER: 2.5,
    }
    assert link.lang is None  # two languages: neither
    assert len(link.ignored) == 4
    assert share.read_link("?" + "a=1&" * 5000, allowed).selections == {}


# --- the page in Chromium ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("saved-whatifs") / "saved"


@pytest.fixture(scope="module")
def whatif_url(results_dir, saved_dir, tmp_path_factory) -> Iterator[str]:
    """`run.py dashboard` on the real results, saving what-ifs into a folder of the test's."""
    logs = tmp_path_factory.mktemp("whatif-logs")
    with server_process(results_dir, logs, "--saved-scenarios", str(saved_dir)) as server:
        yield server.url


@contextmanager
def fresh_tab(chromium) -> Iterator:
    """A tab in a new browser context (no storage shared with any other), console errors kept."""
    context = chromium.new_context(viewport={"width": 1500, "height": 1000})
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.console_errors.append(f"uncaught: {e}"))
    try:
        yield tab
    finally:
        context.close()


def whatif_link(url: str, lang: str, runs: int, levers: dict[str, float] | None = None) -> str:
    fields = [("lang", lang), (whatif.BASE, "as_enacted"), (whatif.RUNS, str(runs))]
    fields += [(whatif.LEVERS, lever) for lever in levers or {}]
    fields += [(whatif.INTENSITY + lever, str(v)) for lever, v in (levers or {}).items()]
    return f"{url}/whatif?{urlencode(fields)}"


def run_and_wait(tab, lang: str) -> None:
    tab.click("#whatif-run")
    done = t("whatif.done", lang, runs=0, scale=0).split("0")[0]
    tab.wait_for_function(
        "(done) => document.querySelector('#whatif-status').innerText.startsWith(done)"
        " && document.querySelector('#whatif-changes')",
        arg=done,
        timeout=120_000,
    )


def screenshot(tab, path: Path) -> None:
    """The whole page as a PNG under the test's folder, its path printed (`pytest -s`)."""
    tab.screenshot(path=str(path), full_page=True)
    print(f"\nscreenshot: {path}")


def cell(tab, scenario: str, column: int) -> str:
    """The median shown in the what-if's overview table (first line of the cell)."""
    selector = f"#whatif-overview tr[data-scenario='{scenario}'] td:nth-child({column})"
    return tab.inner_text(selector).splitlines()[0].strip()


def change_cells(tab, against: str) -> list[str]:
    cells = tab.locator(f"#whatif-changes tr[data-against='{against}'] td")
    return [cells.nth(i).inner_text().splitlines()[0] for i in range(1, 4)]


@pytest.mark.browser
def test_an_unchanged_whatif_shows_the_stored_numbers(chromium, whatif_url, results_dir, tmp_path):
    """按文件实施, nothing changed, the default runs: the what-if row reads as the stored
    scenario's, and as the Parquet says (end-2025 registered and operating, medians over the same
    runs); every paired change against it is ±0."""
    with fresh_tab(chromium) as tab:
        tab.goto(whatif_link(whatif_url, "zh", runs=3))
        tab.wait_for_selector("#whatif-run:not([disabled])")
        run_and_wait(tab, "zh")
        stored = stored_table(results_dir, "timeseries.parquet", "as_enacted", 3)
        at_end = stored[stored["date"] == DEADLINE]
        for column, value in ((4, "n_registered"), (5, "n_operating")):
            shown = cell(tab, live.NAME, column)
            assert shown == cell(tab, "as_enacted", column)
            assert shown == format_number(float(at_end[value].median()), "zh")
        assert change_cells(tab, "as_enacted") == ["±0.0万", "±0.0万", "±0.000"]
        assert all(c.startswith("+") for c in change_cells(tab, "no_policy"))
        assert "按文件实施" in tab.inner_text("#whatif-settings")
        screenshot(tab, tmp_path / "whatif-zh.png")
        assert tab.console_errors == []


@pytest.mark.browser
def test_a_share_link_restores_the_whatif_elsewhere_with_the_same_numbers(
    chromium, whatif_url, tmp_path
):
    """Settings made in one browser travel in the address: opened in a fresh context, the page
    comes back in English with the base, lever, intensity and runs, and its run gives the same
    numbers."""
    with fresh_tab(chromium) as first:
        first.goto(whatif_link(whatif_url, "en", runs=2, levers={LEVER: 1.0}))
        first.wait_for_selector(".slider-row")
        first.fill(".slider-row input", "2.5")  # the intensity, set in the page
        first.press(".slider-row input", "Tab")  # the slider takes it on leaving the box
        first.wait_for_function(f"location.search.includes('{LEVER}=2.5')")
        run_and_wait(first, "en")
        numbers = [cell(first, live.NAME, c) for c in (4, 5)] + change_cells(first, "as_enacted")
        link = first.url
    assert "intensity%3A" + LEVER + "=2.5" in link and "lang=en" in link
    with fresh_tab(chromium) as second:
        second.goto(link)
        second.wait_for_selector(".slider-row")
        assert second.inner_text("#app-title") == t("app.title", "en")
        assert second.input_value(".slider-row input") == "2.5"
        assert second.inner_text("button.picker-narrow").strip() == "2"
        assert "As enacted" in second.inner_text(".controls")
        run_and_wait(second, "en")
        again = [cell(second, live.NAME, c) for c in (4, 5)] + change_cells(second, "as_enacted")
        assert again == numbers
        assert all(c.startswith("+") for c in numbers[2:])  # 2.5 × the document's: more
        assert "2.5" in second.inner_text("#whatif-settings")
        screenshot(second, tmp_path / "whatif-en.png")
        assert second.console_errors == []


@pytest.mark.browser
def test_a_hostile_link_is_ignored_with_a_visible_note(chromium, whatif_url):
    hostile = (
        f"{whatif_url}/whatif?lang=xx&whatif-runs=999&whatif-levers=__import__"
        "&intensity%3Aregistration_ease=nan&city-year=%3Cscript%3E&whatif-base=..%2Fpyproject"
    )
    with fresh_tab(chromium) as tab:
        tab.goto(hostile)
        tab.wait_for_selector(f"#{share.NOTE}-text")
        note = tab.inner_text(f"#{share.NOTE}-text")
        for name in ("lang=xx", "whatif-runs=999", "whatif-levers=__import__", "city-year"):
            assert name in note
        assert tab.inner_text("h2") == t("whatif.heading", "zh")  # defaults, no crash
        assert tab.console_errors == []


@pytest.mark.browser
def test_cancel_clears_the_result_and_a_new_run_starts_at_zero(chromium, whatif_url):
    with fresh_tab(chromium) as tab:
        tab.goto(whatif_link(whatif_url, "zh", runs=3))
        tab.wait_for_selector("#whatif-run:not([disabled])")
        run_and_wait(tab, "zh")
        assert "3/3" in tab.text_content("#whatif-progress-text")  # hidden till the next run
        tab.reload()  # the result survives a reload (session storage)
        tab.wait_for_selector("#whatif-changes")
        assert tab.inner_text("#whatif-settings").startswith("本结果的设置")
        tab.click("#whatif-run")
        started = tab.text_content("#whatif-progress-text")
        assert re.search(r"[012]/3", started) and "3/3" not in started
        assert tab.inner_text("#whatif-status") == t("whatif.running", "zh")
        tab.wait_for_function("!document.querySelector('#whatif-cancel').disabled")
        tab.click("#whatif-cancel")
        tab.wait_for_function(
            "(text) => document.querySelector('#whatif-status').innerText === text",
            arg=t("whatif.cancelled", "zh"),
        )
        assert tab.locator("#whatif-changes").count() == 0
        assert tab.inner_text("#whatif-settings") == ""
        assert tab.console_errors == []


@pytest.mark.browser
def test_a_named_whatif_is_saved_as_a_scenario_file_that_run_py_runs(
    chromium, whatif_url, saved_dir, tmp_path
):
    with fresh_tab(chromium) as tab:
        tab.goto(whatif_link(whatif_url, "zh", runs=1, levers={LEVER: 2.0, "street_life": 0}))
        tab.wait_for_selector(".slider-row")

        def save(name: str) -> str:
            before = tab.inner_text(f"#{whatif.SAVED}")
            tab.fill(f"#{whatif.SAVE_NAME}", name)
            tab.click(f"#{whatif.SAVE}")
            tab.wait_for_function(
                "(before) => document.querySelector('#whatif-saved').innerText !== before",
                arg=before,
            )
            return tab.inner_text(f"#{whatif.SAVED}")

        assert save("my_mix").startswith("已保存")
        for refused in ("my_mix", "as_enacted", "../evil", "Bad Name"):
            assert save(refused).startswith("未保存"), refused
    path = saved_dir / "my_mix.yaml"
    assert sorted(p.name for p in saved_dir.iterdir()) == ["my_mix.yaml"]  # nothing left over
    done = run_cli(
        "run", str(path), "--runs", "1", "--scale", "2000", "--out", str(tmp_path / "out")
    )
    assert done.returncode == 0, done.stderr
    ran = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    assert ran["scenario"].tolist() == ["my_mix"]
    text = path.read_text(encoding="utf-8")
    assert f"{LEVER}:\n    intensity: 2.0" in text and "street_life" not in text
