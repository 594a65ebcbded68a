"""The briefing report (汇报材料, issue 15 build 2): one results folder as a PDF, in Chinese or English.

`report_pdf(results, lang)` is the one maker of the report: `run.py report RESULTS` writes it
(`write_report`: temporary file, then a rename), and the dashboard's 导出报告 button downloads it
(`register`). The content is a view of the results, built from what the pages show: the headline
(`dashboard.headline`), the pages' own charts (overview, trajectories, composition, the cities'
milestones), the comparison of the scenarios (`model.experiments.compare`) with the paired changes,
the cities and their targets, cost-effectiveness by scenario and by lever and lead department
(`cost_by`), the share of the gain resting on `assumption:` effects, the
data sources cited by the model's numbers (base rates and lever catalogue), the run settings of the
manifest, and caveats.

Rendering, all on this machine (no internet): the HTML template `templates/report.html` (no CDN, the
system's Noto CJK fonts), charts drawn to SVG by plotly's kaleido (1.x, driving Debian's Chromium,
MathJax off so that nothing is fetched), then printed to PDF by the same headless Chromium
(`--print-to-pdf`).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, dcc, html

from dashboard import components, safety
from dashboard.catalogue import CatalogueUnavailable, load_view
from dashboard.components import FILE_PREFIX
from dashboard.contract import BASELINE, FORMAT_VERSION
from dashboard.data import Results, ResultsError, ResultsSource, load_results
from dashboard.formats import (
    fiscal_scale,
    format_money,
    format_number,
    format_percent,
    format_range,
    format_ratio,
    money_scale,
)
from dashboard.headline import Headline, headline, overview_table
from dashboard.i18n import DEFAULT_LANG, TEXT, t
from dashboard.pages import cities, composition, overview, trajectories
from dashboard.pages import levers as levers_page
from dashboard.pages.base import View, current_results, main_scenario, render_page
from dashboard.tables import (
    ASSUMPTION_SHARE,
    CHANGE_COLUMNS,
    COST_PER_ADDITIONAL,
    change_cells,
    city_target_headers,
    city_target_rows,
    overview_headers,
    overview_rows,
)
from model.experiments import InputError, cost_by, literature_rates, load_catalogue

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, as the browser tests use (never a downloaded one)
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "report.html"
CHART_SIZE = (900, 440)  # CSS pixels of a chart's SVG (height: the figure's own if it sets one)
PRINT_TIMEOUT_S = 120
TOP_LEVERS = 10  # the dearest levers listed by cost
REPORT_CHARTS = (  # (page, chart id) of the charts the report shows, in its order
    (overview.PAGE, overview.CHART),
    *((trajectories.PAGE, chart) for chart in trajectories.CHARTS),
    (composition.PAGE, "comp-kinds"),
    (composition.PAGE, "comp-share"),
    (cities.PAGE, cities.MILESTONES),
)
OUTCOME_COLUMNS = (
    "scenario",
    "p_doubled",
    "end_registered",
    *CHANGE_COLUMNS,
    "end_operating",
    "ratio",
)
COST_COLUMNS = ("scenario", "fiscal_cost", *COST_PER_ADDITIONAL)
ASSUMPTION_COLUMNS = ("scenario", *ASSUMPTION_SHARE)
CITED_FILE = re.compile(r"[\w-]+\.(?:csv|md)")  # a data file named in a number's source
ASSUMPTION = "assumption"  # how a number without evidence starts its source


class BrowserMissing(Exception):
    """Chromium, which draws the charts and prints the PDF, is not installed (exit code 1: the
    machine, not the input)."""


class PrintFailed(Exception):
    """Chromium ran but wrote no PDF; the message holds its last words."""


Cell = str | tuple[str, str]  # a text, or a value with its range printed small beside it


@dataclass(frozen=True)
class Table:
    """A table of the report: headers and rows of cells (text, or (value, range))."""

    headers: list[str]
    rows: list[list[Cell]]
    note: str = ""


@dataclass
class Content:
    """Everything the template shows, in one language."""

    lang: str
    title: str
    subtitle: str
    made: str
    summary: list[str]
    bands_note: str
    tables: dict[str, Table]
    charts: dict[str, str] = field(default_factory=dict)  # chart id → its SVG as a data URI
    settings: list[tuple[str, str]] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


# --- the content -------------------------------------------------------------------------------


def _rows_of(rows: list[dict], columns: Iterable[str]) -> list[list[Cell]]:
    return [[row[column] for column in columns] for row in rows]


def facts_table(facts: Headline, lang: str) -> Table:
    """The headline's facts (结论先行, `dashboard.headline`) as a table of key figures."""
    p_low, p_high = facts.p_doubled_interval
    values: dict[str, Cell] = {
        "target": format_number(facts.target, lang),
        "base": (
            format_number(facts.base.p50, lang),
            format_range(facts.base.p05, facts.base.p95, format_number, lang),
        ),
        "end": (
            format_number(facts.end_registered.p50, lang),
            format_range(facts.end_registered.p05, facts.end_registered.p95, format_number, lang),
        ),
        "ratio": (
            format_ratio(facts.ratio.p50, lang),
            format_range(facts.ratio.p05, facts.ratio.p95, format_ratio, lang),
        ),
        "gap": format_number(facts.gap, lang),
        "p_doubled": (
            format_percent(facts.p_doubled),
            format_range(p_low, p_high, lambda p, _lang: format_percent(p), lang),
        ),
        "nearest": facts.nearest_title,
        "nearest_cost": format_money(facts.nearest_cost, lang, fiscal_scale(lang)),
    }
    return Table(
        [t("report.fact.fact", lang), facts.title],
        [[t(f"report.fact.{key}", lang), value] for key, value in values.items()],
        t("report.fact.note", lang, runs=facts.runs),
    )


def scenario_tables(results: Results, lang: str) -> dict[str, Table]:
    """The comparison of the scenarios, as the overview shows it, in three tables: outcomes,
    cost-effectiveness, the share of the gain resting on assumptions."""
    table = overview_table(results)
    changes = change_cells(overview.paired_changes(results), lang)
    rows = [
        row | changes.get(row["name"], dict.fromkeys(CHANGE_COLUMNS, "–"))
        for row in overview_rows(table, components.titles(results.scenarios, lang), lang)
    ]
    headers = overview_headers(lang)
    paired = BASELINE in results.scenario_names
    cost_note = t("overview.note_cost" if paired else "error.no_baseline_cost", lang)
    assumption_note = t(
        "overview.note_assumption" if paired else "error.no_baseline_assumption", lang
    )
    return {
        "outcomes": Table(
            [headers[c] for c in OUTCOME_COLUMNS],
            _rows_of(rows, OUTCOME_COLUMNS),
            " ".join(
                t(key, lang)
                for key in ("overview.note", "overview.note_changes", "overview.note_probability")
            ),
        ),
        "cost": Table([headers[c] for c in COST_COLUMNS], _rows_of(rows, COST_COLUMNS), cost_note),
        "assumptions": Table(
            [headers[c] for c in ASSUMPTION_COLUMNS],
            _rows_of(rows, ASSUMPTION_COLUMNS),
            assumption_note,
        ),
    }


def city_table(results: Results, lang: str) -> Table:
    """The 11 cities at the last year-end of the batch: the main scenario's registered and
    operating (medians), its ratio to end-2020 (median, 5–95 %) and no policy's."""
    scenario = main_scenario(results)
    year = cities.years(results)[-1]
    levels = cities.levels_chart(results, scenario, year, lang, "")[1]
    growth = cities.growth_chart(results, scenario, year, lang)[1]
    level = levels.pivot_table(index="city", columns="series", values="value")
    ratio = growth.set_index(["scenario", "city"])
    names = cities.city_names(lang)
    rows: list[list[Cell]] = []
    for city, name in names.items():
        cells: list[Cell] = [
            name,
            format_number(level.loc[city, "n_registered"], lang),
            format_number(level.loc[city, "n_operating"], lang),
        ]
        for shown in (scenario, BASELINE):
            if (shown, city) in ratio.index:
                band = ratio.loc[(shown, city)]
                cells.append(
                    (
                        format_ratio(band["p50"], lang),
                        format_range(band["p05"], band["p95"], format_ratio, lang),
                    )
                )
            else:
                cells.append("–")
        rows.append(cells)
    titles = components.titles(results.scenarios, lang)
    headers = [
        t("report.city.city", lang),
        t("report.city.registered", lang, year=year),
        t("report.city.operating", lang, year=year),
        t("report.city.ratio", lang, scenario=titles[scenario]),
        t("report.city.ratio", lang, scenario=titles.get(BASELINE, BASELINE)),
    ]
    return Table(headers, rows, t("report.city.note", lang, scenario=titles[scenario], year=year))


def city_targets_table(results: Results, lang: str) -> Table:
    """Each city's path to doubling (各市分解目标, 年度进度), as the cities page shows it: its
    end-2020 count, each year's milestone, the main scenario at the last year-end and the share of
    its runs on track."""
    scenario, year = main_scenario(results), cities.years(results)[-1]
    table = cities.targets(results, scenario, year)
    years = [int(c.removeprefix("milestone_")) for c in table.columns if c.startswith("milestone_")]
    headers = city_target_headers(years, year, lang)
    rows = city_target_rows(table, cities.city_names(lang), lang)
    title = components.titles(results.scenarios, lang)[scenario]
    return Table(
        list(headers.values()),
        [[row[column] for column in headers] for row in rows],
        t("report.city.targets_note", lang, scenario=title) + t("milestones.note", lang),
    )


def cost_by_tables(results: Results, lang: str) -> dict[str, Table]:
    """The main scenario's fiscal cost and yuan per additional entity by lever (the dearest
    `TOP_LEVERS`) and by lead department (牵头单位), as `run.py compare --by` gives them."""
    if not results.has_fiscal:
        return {}
    scenario = main_scenario(results)
    try:
        catalogue = load_view()
    except CatalogueUnavailable:
        catalogue = None
    tables = {}
    for key in ("lever", "department"):
        table = results.memo(
            ("fiscal", scenario, key),
            lambda key=key: cost_by(results.fiscal(scenario), results.at_deadline(), key),
        )
        if key == "lever":
            table = table.head(TOP_LEVERS)
        scales = {c: money_scale(table[f"{c}_p50"], lang) for c in COST_PER_ADDITIONAL}
        names = levers_page.category_names(catalogue, key, table[key], lang)
        rows: list[list[Cell]] = [
            [
                names[row[key]],
                format_money(row["fiscal_cost_p50"], lang, fiscal_scale(lang)),
                *(format_money(row[f"{c}_p50"], lang, scales[c]) for c in COST_PER_ADDITIONAL),
            ]
            for _, row in table.iterrows()
        ]
        headers = [t(f"report.by.{key}", lang)] + [
            t(f"overview.col.{c}", lang) for c in ("fiscal_cost", *COST_PER_ADDITIONAL)
        ]
        title = components.titles(results.scenarios, lang)[scenario]
        tables[f"by_{key}"] = Table(headers, rows, t(f"report.by.{key}_note", lang, scenario=title))
    return tables


def parameter_sources() -> dict[str, list[str]]:
    """The source of every number of the model, by group: the base rates
    (model/world/data/base_rates.csv) and the lever catalogue's effects, take-ups and costs
    (model/policy/levers/*.yaml), as the parameter register (`run.py register`) lists them."""
    rates = literature_rates()
    catalogue = load_catalogue()
    levers = list(catalogue.levers.values())
    return {
        "base_rates": [getattr(rates, f.name).source for f in fields(rates)],
        "effects": [effect.source for lever in levers for effect in lever.effects],
        "take_up": [lever.take_up.source for lever in levers if lever.take_up is not None],
        "costs": [cost.source for lever in levers for cost in lever.costs],
    }


def sources_tables(lang: str) -> dict[str, Table]:
    """Where the numbers come from: per group the numbers and those sourced `assumption:`; the
    data files (shared/data) the sources cite, with how many numbers cite each."""
    sources = parameter_sources()
    groups = Table(
        [t(f"report.sources.{c}", lang) for c in ("group", "numbers", "assumed")],
        [
            [
                t(f"report.group.{group}", lang),
                str(len(texts)),
                str(sum(text.startswith(ASSUMPTION) for text in texts)),
            ]
            for group, texts in sources.items()
        ],
        t("report.sources.note", lang),
    )
    cited = Counter(
        name
        for texts in sources.values()
        for text in texts
        for name in set(CITED_FILE.findall(text))
    )
    files = Table(
        [t(f"report.files.{c}", lang) for c in ("file", "what", "numbers")],
        [
            [name, t(f"report.file.{name}", lang) if f"report.file.{name}" in TEXT else "", str(n)]
            for name, n in cited.most_common()
        ],
        t("report.files.note", lang),
    )
    return {"groups": groups, "files": files}


def run_settings(results: Results, lang: str) -> list[tuple[str, str]]:
    """The manifest's run settings: runs (and those with an evidence-only variant), scale, seed,
    horizon, posterior, version, code, date."""
    manifest = results.manifest
    posterior = manifest.get("posterior") or {}
    provenance = posterior.get("provenance") or {}
    fitted = ", ".join(sorted((provenance.get("data") or {}).keys()))
    observations = provenance.get("observations")
    posterior_text = (
        t(
            "report.settings.posterior_text",
            lang,
            path=posterior.get("path", "–"),
            sha=str(posterior.get("sha256", "–"))[:12],
            fitted=fitted or "–",
            observations=observations or "–",
            created=provenance.get("created", "–"),
        )
        if posterior
        else t("report.settings.no_posterior", lang)
    )
    runs = int(manifest.get("runs", results.summary.groupby("scenario").size().max()))
    values = {
        "scenarios": str(len(results.scenario_names)),
        "runs": str(runs),
        # a batch from before the setting simulated the variant in every run
        "evidence_runs": str(min(runs, int(manifest.get("evidence_runs", runs)))),
        "scale": f"{manifest.get('scale', 0):g}",
        "seed": str(manifest.get("seed", "–")),
        "until": str(manifest.get("until", "–")),
        "posterior": posterior_text,
        "version": str(manifest.get("program_version", "–")),
        "commit": str(manifest.get("git_commit") or "–"),
        "fingerprint": str(manifest.get("code_fingerprint", "–")),
        "created": str(manifest.get("created", "–")),
        "command": " ".join(map(str, manifest.get("command") or [])) or "–",
        "folder": str(results.folder),
    }
    return [(t(f"report.settings.{key}", lang), value) for key, value in values.items()]


CAVEATS = ("model", "pairing", "probability", "assumptions", "families", "scale", "shells")


def content_of(results: Results, lang: str, charts: Mapping[str, str]) -> Content:
    """The report's content in `lang` (charts already drawn)."""
    facts = headline(results, lang)
    tables = {"facts": facts_table(facts, lang)} | scenario_tables(results, lang)
    tables["cities"] = city_table(results, lang)
    tables["city_targets"] = city_targets_table(results, lang)
    tables |= cost_by_tables(results, lang)
    tables |= sources_tables(lang)
    runs = int(results.summary.groupby("scenario").size().max())
    scale = f"{results.manifest.get('scale', 0):g}"
    return Content(
        lang=lang,
        title=t("report.title", lang),
        subtitle=t("report.subtitle", lang),
        made=t(
            "report.made",
            lang,
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            folder=results.folder,
        ),
        summary=[facts.sentence, facts.explanation],
        bands_note=t("report.bands_note", lang, runs=runs),
        tables=tables,
        charts=dict(charts),
        settings=run_settings(results, lang),
        caveats=[t(f"report.caveat.{key}", lang, runs=runs, scale=scale) for key in CAVEATS],
    )


# --- rendering ---------------------------------------------------------------------------------


def report_figures(results: Results, lang: str) -> dict[str, go.Figure]:
    """The pages' own figures the report shows (chart id → figure), at their default settings."""
    view = View(results, lang)
    rendered = {}
    for page, chart_id in REPORT_CHARTS:
        figure = render_page(page, view).charts[chart_id][0]
        rendered[chart_id] = go.Figure(figure)
    return rendered


def _require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserMissing(
            f"{CHROMIUM} not found: the report's charts and PDF are drawn by headless Chromium "
            "(apt-get install chromium fonts-noto-cjk)"
        )


def draw_charts(
    figures: Mapping[str, go.Figure], step: Callable[[], None] = lambda: None
) -> dict[str, str]:
    """Each figure as an SVG data URI, drawn by kaleido in one Chromium session (`CHROMIUM`,
    MathJax off: nothing is fetched); `step()` after each chart."""
    import kaleido

    width, height = CHART_SIZE

    async def draw() -> dict[str, str]:
        charts = {}
        async with kaleido.Kaleido(path=str(CHROMIUM), mathjax=False) as renderer:
            for chart_id, figure in figures.items():
                size = {"width": width, "height": figure.layout.height or height}
                svg = await renderer.calc_fig(figure, opts={"format": "svg", **size})
                charts[chart_id] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
                step()
        return charts

    return asyncio.run(draw())


def report_html(content: Content) -> str:
    """The report as one self-contained HTML document (template `templates/report.html`)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    texts = {key: t(key, content.lang) for key in TEXT if key.startswith("report.section.")}
    return environment.get_template(TEMPLATE).render(report=content, text=texts)


def print_pdf(html: str) -> bytes:
    """The HTML printed to PDF by headless Chromium (A4, the template's @page rules)."""
    with tempfile.TemporaryDirectory(prefix="shanxi-report-") as folder:
        page, pdf = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S)
        if not pdf.is_file() or pdf.stat().st_size == 0:
            said = " ".join((done.stderr or done.stdout).split())[-300:]
            raise PrintFailed(f"Chromium wrote no PDF (exit {done.returncode}): {said}")
        return pdf.read_bytes()


def report_document(results: Results, lang: str, step: Callable[[], None] = lambda: None) -> str:
    """The report of `results` in `lang` as one self-contained HTML document, charts drawn;
    `step()` after the figures and after each chart."""
    figures = report_figures(results, lang)
    step()
    charts = draw_charts(figures, step)
    return report_html(content_of(results, lang, charts))


def report_pdf(results: Results, lang: str, *, quiet: bool = True) -> bytes:
    """The briefing report of `results` in `lang` as PDF bytes; progress on stderr unless quiet."""
    from tqdm import tqdm

    _require_chromium()
    started = time.monotonic()
    with tqdm(
        total=len(REPORT_CHARTS) + 2, desc="report", unit="step", disable=quiet, file=sys.stderr
    ) as progress:
        pdf = print_pdf(report_document(results, lang, progress.update))
        progress.update()
    if not quiet:
        print(f"report: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return pdf


def write_report(folder: Path, out: Path, lang: str, *, quiet: bool = False) -> Path:
    """`run.py report`: the report of the results in `folder` written to `out` (a temporary file
    beside it, then a rename: never half a file). InputError for a folder that cannot be read
    or an `out` that cannot be written."""
    out = Path(out)
    if not out.parent.is_dir():
        raise InputError(f"--out: {out.parent} is not a folder")
    if out.is_dir():
        raise InputError(f"--out: {out} is a folder, expected a file name")
    try:
        results = load_results(Path(folder))
    except ResultsError as error:
        why = t(
            f"error.{error.kind}",
            "en",
            folder=error.folder,
            detail=error.detail,
            expected=FORMAT_VERSION,
        )
        raise InputError(f"RESULTS: {why}") from None
    _require_chromium()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as error:
        raise InputError(f"--out: cannot write in {out.parent}: {error.strerror}") from None
    try:
        os.fchmod(handle, 0o644)  # as an ordinary new file (mkstemp's is private)
        with os.fdopen(handle, "wb") as file:
            file.write(report_pdf(results, lang, quiet=quiet))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out


# --- the 导出报告 (export report) button of the dashboard ------------------------------------------

EXPORT, DOWNLOAD = "report-export", "report-download"
_ONE_AT_A_TIME = threading.Lock()  # a report drives a Chromium: never several at once


def export_button() -> html.Div:
    """The 导出报告 button and its download, for the app's header (labelled by `register`)."""
    return html.Div(
        className="report-tools",
        children=[
            html.Button(t("report.export", DEFAULT_LANG), id=EXPORT, n_clicks=0),
            dcc.Download(id=DOWNLOAD),
        ],
    )


def register(app: Dash, source: ResultsSource) -> None:
    """The button's label in the chosen language; a click downloads the report of the results
    shown, in that language (`report_pdf`, as `run.py report` makes it)."""

    @app.callback(Output(EXPORT, "children"), Input("lang", "data"))
    @safety.guarded
    def label_export(lang):
        return t("report.export", safety.checked(safety.LANG, lang, "lang") or DEFAULT_LANG)

    @app.callback(
        Output(DOWNLOAD, "data"),
        Input(EXPORT, "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
        running=[(Output(EXPORT, "disabled"), True, False)],
    )
    @safety.guarded
    def export_report(n_clicks, lang):
        if type(n_clicks) is not int or n_clicks < 1:
            raise safety.BadInput("n_clicks: not a count of clicks")
        lang = safety.checked(safety.LANG, lang, "lang") or DEFAULT_LANG
        results = current_results(source)
        with _ONE_AT_A_TIME:
            pdf = report_pdf(results, lang)
        return dcc.send_bytes(pdf, f"{FILE_PREFIX}report_{lang}.pdf", type="application/pdf")
