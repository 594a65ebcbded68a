"""The briefing report (`run.py report`, the dashboard's 导出报告) on REAL results of `run.py run`.

The PDF is made the way a user makes it (`run.py report` in its own process, Debian's Chromium),
opened with pypdf, and its text checked against numbers computed here from the results' Parquet;
both languages; the button in real headless Chromium downloads the same report; bad input exits 2
with nothing written. PNG renders of the first pages are saved under tmp_path (paths printed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

import run
from dashboard import report
from dashboard.data import load_results
from dashboard.formats import format_number, format_percent, format_ratio
from dashboard.i18n import LANGS, TEXT, t
from tests.dashboard_fixtures import ROOT, copy_results

pytestmark = pytest.mark.slow  # each report draws its charts and prints in Chromium (~15 s)

SECTIONS = [key for key in TEXT if key.startswith("report.section.")]
RENDERED_PAGES = 2  # PNG renders of the first pages, per language
HEADER = {"x": 0, "y": 0, "width": 1500, "height": 120}  # the app's header, with the button


def run_report(*arguments: str) -> subprocess.CompletedProcess:
    """`run.py report ARGUMENTS` as a user types it, from the project root."""
    command = [sys.executable, "run.py", "report", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def pdf_text(path: Path) -> tuple[int, str]:
    """The PDF's pages and its text, NFKC-normalised (the CJK fonts map some glyphs to Kangxi
    radicals, ⼯ for 工) with every dash and white space made one."""
    reader = PdfReader(path)
    text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages))
    return len(reader.pages), " ".join(text.replace("‒", "–").split())


def plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def render_pages(pdf: Path, results_dir: Path, lang: str, folder: Path) -> list[Path]:
    """PNG renders of the first pages: pdftoppm (poppler-utils, which .ci/run installs) if
    present, else Chromium's screenshot of the report's HTML at the width of an A4 page (headless
    Chromium draws no PDF)."""
    stem = folder / pdf.stem
    if shutil.which("pdftoppm"):
        command = ["pdftoppm", "-png", "-r", "70", "-l", str(RENDERED_PAGES), str(pdf), str(stem)]
        subprocess.run(command, check=True, timeout=60)
        return sorted(folder.glob(f"{pdf.stem}-*.png"))
    page = stem.with_suffix(".html")
    page.write_text(report.report_document(load_results(results_dir), lang), encoding="utf-8")
    shot = stem.with_suffix(".png")
    command = [str(report.CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu"]
    command += [f"--screenshot={shot}", "--window-size=794,2246", page.as_uri()]
    subprocess.run(command, check=True, timeout=120, capture_output=True)
    return [shot]


@pytest.fixture(scope="module")
def reports(results_dir, tmp_path_factory) -> dict[str, Path]:
    """The report of the real results in each language, made by `run.py report`."""
    folder = tmp_path_factory.mktemp("reports")
    made = {}
    for lang in LANGS:
        out = folder / f"report-{lang}.pdf"
        started = time.monotonic()
        done = run_report(str(results_dir), "--lang", lang, "--out", str(out))
        took = time.monotonic() - started
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == f"Report: {out}"
        assert "report: 100%" in done.stderr  # the progress bar, on stderr
        print(f"\nrun.py report --lang {lang}: {took:.1f} s ({done.stderr.splitlines()[-1]})")
        made[lang] = out
    return made


def expected_numbers(results_dir: Path, lang: str) -> list[str]:
    """The headline's numbers and as enacted's at the deadline, from the Parquet files read here:
    the doubling target (2 × the median end-2020 count), the gap to it, the median registered and
    operating count, the median ratio to end-2020, the share of runs doubled."""
    summary = pd.read_parquet(results_dir / "summary.parquet")
    enacted = summary[summary["scenario"] == "as_enacted"]
    target = 2 * enacted["start_registered"].median()
    timeseries = pd.read_parquet(
        results_dir / "timeseries.parquet", columns=["scenario", "date", "n_operating"]
    )
    operating = timeseries[
        (timeseries["scenario"] == "as_enacted") & (timeseries["date"] == timeseries["date"].max())
    ]
    return [
        format_number(target, lang),
        format_number(target - enacted["end_registered"].median(), lang),
        format_number(enacted["end_registered"].median(), lang),
        format_number(operating["n_operating"].median(), lang),
        format_ratio(enacted["ratio"].median(), lang),
        format_percent(enacted["doubled"].mean()),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_report_opens_with_its_sections_and_the_numbers_of_the_results(
    reports, results_dir, lang, tmp_path
):
    pages, text = pdf_text(reports[lang])
    assert pages >= 8  # sections on their own pages: scenarios, charts, cities, cost, settings
    for key in SECTIONS:
        assert plain(t(key, lang)) in text, key
    assert plain(t("report.title", lang)) in text
    for number in expected_numbers(results_dir, lang):
        assert number in text, number
    other = "en" if lang == "zh" else "zh"
    assert plain(t("report.section.caveats", other)) not in text  # one language only
    renders = render_pages(reports[lang], results_dir, lang, tmp_path)
    assert renders and all(p.stat().st_size > 10_000 for p in renders)
    print(f"\n{lang} report: {reports[lang]} ({pages} pages); renders: {[str(p) for p in renders]}")


def test_the_report_holds_every_city_and_the_run_settings(reports, results_dir, manifest):
    _pages, text = pdf_text(reports["en"])
    for city in ("Taiyuan", "Datong", "Yuncheng", "Lüliang"):
        assert city in text, city
    for value in (manifest["git_commit"], manifest["code_fingerprint"], manifest["created"]):
        assert value and value in text.replace(" ", ""), value
    assert f"{manifest['runs']}" in text and f"{manifest['scale']:g}" in text


@pytest.mark.parametrize(
    "damage, says",
    [
        ("missing", "does not exist"),
        ("no manifest", "manifest.json"),
    ],
)
def test_a_results_folder_that_cannot_be_read_exits_2_and_writes_nothing(
    results_dir, tmp_path, damage, says
):
    folder = tmp_path / "results"
    if damage == "no manifest":
        copy_results(results_dir, folder)
        (folder / "manifest.json").unlink()
    out = tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    done = run_report(str(folder), "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith("error: RESULTS:") and says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert list(out.parent.iterdir()) == []


def test_bad_options_exit_2(results_dir, tmp_path):
    done = run_report(str(results_dir), "--out", str(tmp_path / "no-such-folder" / "r.pdf"))
    assert done.returncode == 2 and "--out" in done.stderr
    done = run_report(str(results_dir), "--lang", "fr")
    assert done.returncode == 2 and "--lang" in done.stderr


def test_without_chromium_the_command_exits_1_naming_it(results_dir, tmp_path, monkeypatch, capsys):
    missing = tmp_path / "chromium"
    monkeypatch.setattr(report, "CHROMIUM", missing)
    out = tmp_path / "report.pdf"
    assert run.main(["report", str(results_dir), "--out", str(out), "--quiet"]) == 1
    said = capsys.readouterr().err
    assert said.startswith("error: BrowserMissing:") and str(missing) in said
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


@pytest.mark.browser
def test_the_export_button_downloads_the_report(page, dashboard_url, tmp_path):
    page.goto(dashboard_url + "/")
    button = page.locator("#report-export")
    button.wait_for()
    assert button.inner_text() == t("report.export", "zh")
    page.screenshot(path=tmp_path / "header-zh.png", clip=HEADER)
    started = time.monotonic()
    with page.expect_download(timeout=180_000) as download:
        button.click()
    saved = tmp_path / download.value.suggested_filename
    print(f"\nthe button's report: {time.monotonic() - started:.1f} s from the click")
    download.value.save_as(saved)
    assert saved.name == "shanxi_doubling_report_zh.pdf"
    pages, text = pdf_text(saved)
    assert pages >= 8 and plain(t("report.title", "zh")) in text
    page.click("#lang-en")
    page.wait_for_function(
        "label => document.querySelector('#report-export').innerText === label",
        arg=t("report.export", "en"),
    )
    page.screenshot(path=tmp_path / "header-en.png", clip=HEADER)
    print(f"header screenshots: {tmp_path / 'header-zh.png'}, {tmp_path / 'header-en.png'}")
    assert page.console_errors == []
