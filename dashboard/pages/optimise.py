"""Path to the target (实现路径): the frontier of `run.py optimise` (fiscal cost against
P(doubled), the operating share as colour), a clicked point's levers, and a verified mix opened
on the trajectories page.

Where the search comes from: `run.py dashboard --optimisation FOLDER` (default: `run.py
optimise`'s default output, `results/optimise`). Opening a point shows its *verified* runs (the
search's verification batch: the mix already run with fresh seeds, `--verify-runs` runs) beside
the stored scenarios, not a live run: they are the runs whose P(doubled) the page reports. Only
verified points (diamonds) open; the others have the search's estimates only.
"""

from __future__ import annotations

from typing import TypedDict

import pandas as pd
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from pydantic import StrictFloat, StrictInt, TypeAdapter

from dashboard import components, figures, safety
from dashboard.catalogue import CatalogueUnavailable, load_view
from dashboard.data import Results, ResultsSource, Search
from dashboard.formats import fiscal_scale, format_money
from dashboard.i18n import t
from dashboard.pages import trajectories
from dashboard.pages.base import (
    Page,
    Rendered,
    View,
    chart_cards,
    current_results,
    runs_of,
    view_of,
)
from dashboard.tables import (
    MIX_COLUMNS,
    VERIFIED_COLUMNS,
    mix_rows,
    optimise_headers,
    p_with_interval,
    verified_rows,
)
from model.experiments import InputError

FRONTIER = "opt-frontier"
SUMMARY = "opt-summary"
POINT = "opt-point"
OPEN = "opt-open"
SHOWN = "opt-shown"  # the store of the trial whose levers are shown
FRONT_COLUMNS = ["trial", "search_cost", "search_p_doubled", "search_operating_share", "scenario"]


class ClickPoint(TypedDict):
    customdata: list[StrictInt | StrictFloat]


class ClickData(TypedDict):
    points: list[ClickPoint]


CLICK = TypeAdapter(ClickData)
TRIAL = TypeAdapter(StrictInt | None)


def search_of(results: Results) -> Search | str:
    """The search shown beside the results, or why there is none (the reader's message)."""
    try:
        return results.search()
    except InputError as error:
        return str(error)


def verified_points(search: Search) -> pd.DataFrame:
    """The verified mixes with the trial each was found in (to click and to draw)."""
    trials = search.found.front.dropna(subset=["scenario"]).set_index("scenario")["trial"]
    verified = search.found.verified
    return verified.assign(trial=verified["scenario"].map(trials).astype(int))


def default_trial(search: Search) -> int | None:
    """The point shown first: the verified mix the answer names (`Optimisation.best`), else the
    front's last (highest P) point; None for an empty front."""
    best, front = search.found.best, search.found.front
    if best is not None:
        return int(front.loc[front["scenario"] == best["scenario"], "trial"].iloc[0])
    return int(front["trial"].iloc[-1]) if len(front) else None


def frontier(search: Search, lang: str):
    """The frontier chart and its data table (the front, verified columns where verified; a
    verified mix by its title in the verification batch, whichever results the page shows)."""
    found, verified = search.found, verified_points(search)
    figure = figures.frontier_chart(
        found.front, verified, found.goal.target_p, lang, t("optimise.frontier", lang)
    )
    table = found.front[FRONT_COLUMNS].merge(
        verified.drop(columns=["scenario", "path"]), on="trial", how="left"
    )
    if search.verification is not None:
        titles = components.titles(search.verification.scenarios, lang)
        table["scenario"] = table["scenario"].map(lambda name: titles.get(name, name))
    return figure, table


def _table(columns: tuple[str, ...], rows: list[dict], lang: str, table_id: str) -> html.Table:
    headers = optimise_headers(columns, lang)
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(headers[c]) for c in columns])),
            html.Tbody(
                [
                    html.Tr([html.Td(row[c]) for c in columns], **{"data-row": row["id"]})
                    for row in rows
                ]
            ),
        ],
        id=table_id,
        className="overview-table",
    )


def answer(search: Search, lang: str) -> str:
    """The answer in one sentence: the cheapest verified mix meeting the target, or the best
    (`Optimisation.best`, as `run.py optimise` prints it)."""
    best = search.found.best
    if best is None:
        return t("optimise.no_front", lang)
    key = "optimise.answer_met" if best["meets_target"] else "optimise.answer_not_met"
    p, interval = p_with_interval(best, lang)
    cost = format_money(best["fiscal_cost"], lang, fiscal_scale(lang))
    return t(key, lang, name=best["scenario"], cost=cost, p=p, interval=interval, runs=best["runs"])


def summary_block(search: Search, lang: str) -> list:
    """The goal, the answer and the table of verified mixes."""
    goal = search.found.goal
    budget = (
        t("optimise.no_budget", lang)
        if goal.budget is None
        else t("optimise.budget", lang, budget=format_money(goal.budget, lang))
    )
    target = t(
        "optimise.goal",
        lang,
        p=f"{goal.target_p:.0%}",
        share=f"{goal.min_operating_share:.0%}",
        budget=budget,
    )
    rows = [row | {"id": row["name"]} for row in verified_rows(search.found.verified, lang)]
    table = _table(VERIFIED_COLUMNS, rows, lang, f"{SUMMARY}-table") if rows else None
    return [
        html.P(target, className="note"),
        html.P(answer(search, lang), id=f"{SUMMARY}-answer", className="answer"),
        html.H3(t("optimise.verified_heading", lang)) if rows else None,
        html.Div(table, className="table-wrap") if rows else None,
    ]


def point_block(search: Search, trial: int | None, lang: str) -> list:
    """A point's estimates, its verification, its levers and the button that opens it."""
    front = search.found.front.set_index("trial")
    if trial is None or trial not in front.index:
        return [dcc.Store(id=SHOWN, data=None)]
    point = front.loc[trial]
    estimate = t(
        "optimise.point_search",
        lang,
        cost=format_money(point["search_cost"], lang, fiscal_scale(lang)),
        p=f"{point['search_p_doubled']:.0%}",
        share=f"{point['search_operating_share']:.1%}",
        levers=len(point["mix"]),
    )
    verified = verified_points(search).set_index("trial")
    if trial in verified.index:
        row = verified.loc[trial]
        p, interval = p_with_interval(row, lang)
        status = t(
            "optimise.point_verified",
            lang,
            name=row["scenario"],
            runs=row["runs"],
            p=p,
            interval=interval,
            cost=format_money(row["fiscal_cost"], lang, fiscal_scale(lang)),
            share=f"{row['operating_share']:.1%}",
        )
    else:
        status = t("optimise.point_unverified", lang)
    try:
        levers = _table(MIX_COLUMNS, mix_rows(point["mix"], load_view(), lang), lang, "opt-levers")
    except CatalogueUnavailable as error:
        levers = components.message(str(error), kind="error")
    return [
        dcc.Store(id=SHOWN, data=trial),
        html.H3(t("optimise.point", lang, trial=trial)),
        html.P(estimate),
        html.P(status, id=f"{POINT}-status"),
        html.Button(
            t("optimise.open", lang),
            id=OPEN,
            n_clicks=0,
            className="button-primary",
            disabled=trial not in verified.index,
        ),
        html.Div(levers, className="table-wrap"),
    ]


def render(view: View) -> Rendered:
    search, lang = search_of(view.results), view.lang
    if isinstance(search, str):
        folder = view.results.optimisation_folder
        missing = components.message(
            t("optimise.missing", lang),
            t("optimise.missing_detail", lang, folder=folder),
            t("optimise.reason", lang, detail=search),
        )
        empty = figures.message_figure(t("optimise.missing", lang), t("optimise.frontier", lang))
        return Rendered({FRONTIER: (empty, pd.DataFrame())}, {SUMMARY: [missing], POINT: []})
    blocks = {
        SUMMARY: summary_block(search, lang),
        POINT: point_block(search, default_trial(search), lang),
    }
    verification = search.verification
    runs = (
        {}
        if verification is None
        else {FRONTIER: runs_of(verification.folder.name, verification.manifest)}
    )
    return Rendered({FRONTIER: frontier(search, lang)}, blocks, runs=runs)


def layout(view: View, rendered: Rendered) -> html.Div:
    search, lang = search_of(view.results), view.lang
    note = ""
    if not isinstance(search, str):
        effort = search.found.effort
        note = t("optimise.note", lang, runs=effort["runs_per_trial"], verify=effort["verify_runs"])
    return components.page(
        t("optimise.heading", lang),
        html.Div(rendered.blocks[SUMMARY], id=SUMMARY),
        *chart_cards(rendered, lang),
        html.Div(rendered.blocks[POINT], id=POINT, className="point"),
        note=note,
    )


def clicked_trial(click_data) -> int:
    """The trial of the clicked point (its `customdata`'s first value; BadInput if ill-formed)."""
    points = safety.checked(CLICK, click_data, "clickData")["points"]
    if not points or not points[0]["customdata"]:
        raise safety.BadInput("clickData: no point")
    return int(points[0]["customdata"][0])


def register(app: Dash, source: ResultsSource) -> None:
    """A click on a point shows its levers; the button opens a verified point on the trajectories
    page (its control `trajectories.MIX` set, the address changed)."""

    @app.callback(
        Output(POINT, "children"),
        Input(FRONTIER, "clickData"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    @safety.guarded
    def show_point(click_data, lang):
        view = view_of(current_results(source), lang, {}, None)
        search = search_of(view.results)
        trial = clicked_trial(click_data)
        if isinstance(search, str) or trial not in set(search.found.front["trial"]):
            raise safety.BadInput(f"clickData: no point of trial {trial}")
        return point_block(search, trial, view.lang)

    @app.callback(
        Output("selections", "data", allow_duplicate=True),
        Output("url", "pathname"),
        Input(OPEN, "n_clicks"),
        State(SHOWN, "data"),
        State("selections", "data"),
        prevent_initial_call=True,
    )
    @safety.guarded
    def open_on_trajectories(n_clicks, trial, selections):
        trial = safety.checked(TRIAL, trial, SHOWN)
        selections = safety.checked(safety.SELECTIONS, selections, "selections") or {}
        search = search_of(current_results(source))
        if not n_clicks or isinstance(search, str):
            raise PreventUpdate
        verified = verified_points(search).set_index("trial")
        if trial not in verified.index:
            raise safety.BadInput(f"{SHOWN}: trial {trial} is not verified")
        opened = selections | {trajectories.MIX: verified.loc[trial, "scenario"]}
        return opened, trajectories.PAGE.path


PAGE = Page(
    "optimise",
    "/optimise",
    render,
    layout,
    chart_ids=(FRONTIER,),
    blocks=(SUMMARY, POINT),
    register=register,
)
